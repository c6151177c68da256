// The registry codecs: a record's value is the payload alone in the Confluent wire format (magic byte
// 0, the schema id as 4 big-endian bytes, then JSON or Avro), so that any registry-aware client reads
// it; the envelope's other fields travel as headers. What both directions share: the frame, the
// schema an event version is registered with, the envelope headers.
import type { AnyEvent } from '../catalog/event.ts'
import { Headers } from '../envelope/headers.ts'
import type { Envelope } from '../envelope/types.ts'
import { CatalogError, DecodeError } from '../errors.ts'
import { avroSchemaOf } from '../schema/avro.ts'
import { registeredJsonSchema } from '../schema/json-schema.ts'
import type { RegistrySchema, SchemaType } from './client.ts'
import type { RegistryCodecName } from './names.ts'

const FORMAT: Record<RegistryCodecName, SchemaType> = {
  'registry-json': 'JSON',
  'registry-avro': 'AVRO',
  'registry-protobuf': 'PROTOBUF',
}

/** The envelope fields that have no standard header, for values that carry only the payload. */
export const RegistryHeaders = {
  time: 'event-time',
  actorId: 'event-actor-id',
  actorType: 'event-actor-type',
  metadata: 'event-metadata',
} as const

export const MAGIC_BYTE = 0

/** Whether a value is in the Confluent wire format (a JSON envelope never starts with a 0 byte). */
export function isFramed(value: Buffer | null | undefined): value is Buffer {
  return value !== null && value !== undefined && value.length >= 5 && value[0] === MAGIC_BYTE
}

/** The schema id of a framed value. */
export function schemaIdOf(value: Buffer): number {
  return value.readInt32BE(1)
}

/** The schema an event version is registered with, in a codec's format. */
export function registrySchemaOf(event: AnyEvent, codec: RegistryCodecName): RegistrySchema {
  const schemaType = FORMAT[codec]
  if (schemaType === 'PROTOBUF') return { schemaType, schema: protobufOf(event).proto }
  const schema = schemaType === 'JSON' ? registeredJsonSchema(event) : avroSchemaOf(event)
  return { schemaType, schema: JSON.stringify(schema) }
}

/** The `.proto` file of an event version and its message (Protobuf needs field numbers: never derived). */
export function protobufOf(event: AnyEvent): { proto: string; message: string } {
  const protobuf = event.schemas.protobuf
  if (!protobuf) {
    throw new CatalogError(
      `${event.type} v${event.version}: its topic uses the registry-protobuf codec: give its .proto in defineEvent({ schemas: { protobuf: { proto, message } } })`,
    )
  }
  return protobuf
}

/** The Confluent frame around an encoded payload. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const value = Buffer.allocUnsafe(5 + body.length)
  value[0] = MAGIC_BYTE
  value.writeInt32BE(schemaId, 1)
  body.copy(value, 5)
  return value
}

/** The envelope fields a registry value does not carry, as headers (kafkit's standard ones carry the rest). */
export function registryEnvelopeHeaders(envelope: Envelope): Record<string, string> {
  const headers: Record<string, string> = { [RegistryHeaders.time]: envelope.timestamp }
  if (envelope.actor) {
    headers[RegistryHeaders.actorId] = envelope.actor.id
    headers[RegistryHeaders.actorType] = envelope.actor.type
  }
  if (envelope.metadata) headers[RegistryHeaders.metadata] = JSON.stringify(envelope.metadata)
  return headers
}

export interface FramedRecord {
  topic: string
  /** The record's timestamp: the event time when a foreign producer set no event-time header. */
  timestamp?: Date | undefined
}

/** The envelope as the JSON codec would have decoded it, from the headers and the decoded payload. */
export function envelopeFromHeaders(
  payload: unknown,
  headers: ReadonlyMap<string, string>,
  record: FramedRecord,
): unknown {
  const id = headers.get(Headers.eventId)
  const envelope: Record<string, unknown> = {
    id,
    type: headers.get(Headers.eventType),
    version: headers.get(Headers.eventVersion),
    source: headers.get(Headers.eventSource),
    timestamp: headers.get(RegistryHeaders.time) ?? record.timestamp?.toISOString(),
    // A foreign producer may start a flow without one: the event then starts its own, as in Series.
    correlation_id: headers.get(Headers.correlationId) ?? id,
    payload,
  }
  const causation = headers.get(Headers.causationId)
  if (causation !== undefined) envelope['causation_id'] = causation
  const actorId = headers.get(RegistryHeaders.actorId)
  if (actorId !== undefined) envelope['actor'] = { id: actorId, type: headers.get(RegistryHeaders.actorType) }
  const metadata = headers.get(RegistryHeaders.metadata)
  if (metadata !== undefined) {
    try {
      envelope['metadata'] = JSON.parse(metadata)
    } catch (err) {
      throw new DecodeError(`the ${RegistryHeaders.metadata} header is not JSON`, { cause: err })
    }
  }
  return envelope
}
