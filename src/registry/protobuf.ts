// Protobuf for the registry-protobuf codec: a `.proto` file as the registry stores it, parsed by
// protobufjs (field names kept as written), and the message a Confluent frame's indexes point at.
import type { Type } from 'protobufjs'
import { DecodeError } from '../errors.ts'
import { loadProtobuf } from './library.ts'

export interface ProtobufMessage {
  type: Type
  /** The message's path in the file, as Confluent's frame writes it: [0] is the first top-level message. */
  indexes: number[]
}

/** How decoded messages become payloads: enums by name, 64-bit integers as numbers, proto3 defaults present. */
export const TO_OBJECT = { enums: String, longs: Number, defaults: true, arrays: true, objects: true } as const

/** The message named `message` (or its last name segment) in the `.proto` text. */
export async function protobufMessage(proto: string, message: string): Promise<ProtobufMessage> {
  const messages = await protobufMessages(proto)
  const found = messages.find((m) => m.type.fullName.slice(1) === message || m.type.name === message)
  if (!found) {
    throw new Error(
      `the .proto has no message ${message} (it has ${messages.map((m) => m.type.fullName.slice(1)).join(', ')})`,
    )
  }
  return found
}

/** Every message of the file (nested ones included) with its indexes. */
export async function protobufMessages(proto: string): Promise<ProtobufMessage[]> {
  const protobuf = await loadProtobuf()
  const { root, package: pkg } = protobuf.parse(proto, { keepCase: true })
  const top = pkg ? root.lookup(pkg) : root
  const out: ProtobufMessage[] = []
  const walk = (namespace: { nestedArray: unknown[] }, path: number[]) => {
    const types = namespace.nestedArray.filter((n): n is Type => n instanceof protobuf.Type)
    types.forEach((type, index) => {
      out.push({ type, indexes: [...path, index] })
      walk(type, [...path, index])
    })
  }
  if (top) walk(top as unknown as { nestedArray: unknown[] }, [])
  return out
}

/** The message of a frame's indexes. */
export function messageAt(messages: readonly ProtobufMessage[], indexes: readonly number[], schemaId: number): Type {
  const found = messages.find((m) => m.indexes.length === indexes.length && m.indexes.every((v, i) => v === indexes[i]))
  if (!found) {
    throw new DecodeError(`schema ${schemaId} has no message at indexes [${indexes.join(', ')}]`, {
      details: { schemaId },
    })
  }
  return found.type
}
