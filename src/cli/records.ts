// A record as the tools show it: the decoded envelope when it is an event, else what is wrong
// with it; and the filters `tail` and the console apply (type, key, correlation id).
import { matchesPattern } from '../catalog/pattern.ts'
import { decodeEnvelope, decodeFramedEnvelope } from '../consumer/decode.ts'
import { headersToStrings } from '../envelope/headers.ts'
import type { CodecRegistry } from '../envelope/registry.ts'
import type { Envelope } from '../envelope/types.ts'
import { errorMessage } from '../errors.ts'
import { isFramed } from '../registry/codec.ts'
import type { RegistryDecoder } from '../registry/decoder.ts'

export interface WireMessage {
  topic: string
  partition: number
  offset: bigint
  timestamp: bigint
  key: Buffer | undefined | null
  value: Buffer | undefined | null
  headers: ReadonlyMap<unknown, unknown> | undefined
}

export interface ShownRecord {
  topic: string
  partition: number
  offset: bigint
  timestamp: Date
  key: string | undefined
  headers: Map<string, string>
  envelope: Envelope | undefined
  /** Why the value is not an event, when it is not. */
  problem: string | undefined
  size: number
}

/** The record decoded: registry-framed values through `framed` (then possibly asynchronously), others through the codecs. */
export function showRecord(
  registry: CodecRegistry,
  message: WireMessage,
  framed?: RegistryDecoder,
): ShownRecord | Promise<ShownRecord> {
  const headers = headersToStrings(message.headers)
  const timestamp = new Date(Number(message.timestamp))
  const shown = (envelope: Envelope | undefined, problem: string | undefined): ShownRecord => ({
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp,
    key: message.key ? message.key.toString('utf8') : undefined,
    headers,
    envelope,
    problem,
    size: (message.key?.length ?? 0) + (message.value?.length ?? 0),
  })
  try {
    if (message.value && isFramed(message.value)) {
      const decoded = decodeFramedEnvelope(framed, message.value, headers, { topic: message.topic, timestamp })
      if (decoded instanceof Promise) {
        return decoded.then(
          (envelope) => shown(envelope, undefined),
          (error: unknown) => shown(undefined, errorMessage(error)),
        )
      }
      return shown(decoded, undefined)
    }
    return shown(decodeEnvelope(registry, message.value, headers), undefined)
  } catch (error) {
    return shown(undefined, errorMessage(error))
  }
}

export interface RecordFilter {
  type?: string | undefined
  key?: string | undefined
  correlationId?: string | undefined
}

export function matchesRecord(record: ShownRecord, filter: RecordFilter): boolean {
  if (filter.key !== undefined && record.key !== filter.key) return false
  if (filter.type !== undefined && !(record.envelope && matchesPattern(filter.type, record.envelope.type))) return false
  if (filter.correlationId !== undefined && record.envelope?.correlation_id !== filter.correlationId) return false
  return true
}
