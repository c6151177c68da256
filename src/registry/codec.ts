// The registry codecs: a record's value is the payload alone in the Confluent wire format (magic byte
// 0, the schema id as 4 big-endian bytes, then JSON or Avro), so that any registry-aware client reads
// it; the envelope's other fields travel as headers. Encoding and decoding are asynchronous (the
// registry may have to be asked) and both are done by Confluent's serdes.
import type { AnyEvent } from '../catalog/event.ts'
import type { EncodedValue } from '../envelope/codec.ts'
import { Headers } from '../envelope/headers.ts'
import type { Envelope } from '../envelope/types.ts'
import { DecodeError, ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import { avroSchemaOf, avroToPlain, type AvroSchema } from '../schema/avro.ts'
import { registeredJsonSchema } from '../schema/json-schema.ts'
import type { RegistrySchema, SchemaRegistry, SchemaType } from './client.ts'
import { SchemaRegistryError } from './errors.ts'
import type { RegistryCodecName } from './names.ts'

const FORMAT: Record<RegistryCodecName, SchemaType> = { 'registry-json': 'JSON', 'registry-avro': 'AVRO' }

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
  const schema = schemaType === 'JSON' ? registeredJsonSchema(event) : avroSchemaOf(event)
  return { schemaType, schema: JSON.stringify(schema) }
}

interface Serializer {
  id: number
  serialize(topic: string, payload: unknown): Promise<Buffer>
}

/**
 * Encodes events for one codec. Encodings finish in the order they were asked for, so records of a
 * key keep their publish order even when the first needs the registry and the next does not.
 */
export class RegistryEncoder {
  readonly name: RegistryCodecName
  readonly contentType: string
  readonly #registry: SchemaRegistry
  readonly #serializers = new WeakMap<AnyEvent, Promise<Serializer>>()
  #tail: Promise<unknown> = Promise.resolve()

  constructor(registry: SchemaRegistry, name: RegistryCodecName) {
    this.#registry = registry
    this.name = name
    this.contentType = `application/vnd.kafkit.${name}`
  }

  encode(envelope: Envelope, event: AnyEvent): Promise<EncodedValue> {
    const result = this.#tail.then(() => this.#encode(envelope, event))
    this.#tail = result.catch(() => undefined)
    return result
  }

  async #encode(envelope: Envelope, event: AnyEvent): Promise<EncodedValue> {
    const serializer = await this.#serializerFor(event)
    let value: Buffer
    try {
      value = await this.#registry.call(`encoding ${event.type}`, () =>
        serializer.serialize(event.topic.name, envelope.payload),
      )
    } catch (err) {
      if (err instanceof SchemaRegistryError) throw err
      const message = `${event.type}: the ${this.name} codec could not encode the payload with schema ${serializer.id}: ${errorMessage(err)}`
      throw new KafkitError(ErrorCodes.ENCODE_FAILED, message, { cause: err, details: { schemaId: serializer.id } })
    }
    return { value, headers: envelopeHeaders(envelope) }
  }

  #serializerFor(event: AnyEvent): Promise<Serializer> {
    let serializer = this.#serializers.get(event)
    if (!serializer) {
      serializer = this.#createSerializer(event)
      this.#serializers.set(event, serializer)
      // A failure (the registry is down) is not remembered: the next publish asks again.
      serializer.catch(() => this.#serializers.delete(event))
    }
    return serializer
  }

  async #createSerializer(event: AnyEvent): Promise<Serializer> {
    const registry = this.#registry
    const subject = registry.subjectOf({ topic: event.topic.name, type: event.type, major: event.major })
    const id = await registry.idFor(subject, registrySchemaOf(event, this.name))
    const { client, library } = await registry.library()
    const config = { useSchemaId: id, autoRegisterSchemas: false, subjectNameStrategy: () => subject }
    const serde =
      this.name === 'registry-json'
        ? // The payload was validated by the catalog's schema, which this JSON Schema was derived from.
          new library.JsonSerializer(client, library.SerdeType.VALUE, { ...config, validate: false })
        : new library.AvroSerializer(client, library.SerdeType.VALUE, config)
    return { id, serialize: (topic, payload) => serde.serialize(topic, payload) }
  }
}

function envelopeHeaders(envelope: Envelope): Record<string, string> {
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

interface Deserializer {
  deserialize(topic: string, value: Buffer): Promise<unknown>
}

const REQUIRED = [Headers.eventId, Headers.eventType, Headers.eventVersion, Headers.eventSource] as const

/**
 * Decodes framed values of any registry format: the writer's schema is fetched by id (once), the
 * payload decoded and validated against it, and the envelope rebuilt from the headers. A value the
 * registry has no schema for, or that does not match its schema, fails for good (DLQ); a registry
 * that does not answer fails with a retryable error after bounded retries.
 */
export class RegistryDecoder {
  readonly #registry: SchemaRegistry
  #json: Promise<Deserializer> | undefined
  #avro: Promise<Deserializer> | undefined

  constructor(registry: SchemaRegistry) {
    this.#registry = registry
  }

  async decode(value: Buffer, headers: ReadonlyMap<string, string>, record: FramedRecord): Promise<unknown> {
    if (!isFramed(value))
      throw new DecodeError('the value is not in the Confluent wire format (magic byte 0, schema id)')
    const schemaId = schemaIdOf(value)
    const missing = REQUIRED.filter((name) => !headers.get(name))
    if (missing.length > 0) {
      throw new DecodeError(
        `a record in the Confluent wire format (schema id ${schemaId}) lacks the header(s) ${missing.join(', ')} that carry its envelope`,
        { details: { schemaId } },
      )
    }
    const writer = await this.#registry.schemaById(schemaId).catch((err: unknown) => {
      if (KafkitError.is(err)) Object.assign(err.details, { schemaId })
      throw err
    })
    const payload = await this.#payload(value, writer, schemaId, record.topic)
    return envelopeOf(payload, headers, record)
  }

  async #payload(value: Buffer, writer: RegistrySchema, schemaId: number, topic: string): Promise<unknown> {
    if (writer.schemaType !== 'JSON' && writer.schemaType !== 'AVRO') {
      throw new DecodeError(`schema ${schemaId} is ${writer.schemaType}, which kafkit does not decode`, {
        details: { schemaId },
      })
    }
    const deserializer = await (writer.schemaType === 'JSON' ? this.#jsonDeserializer() : this.#avroDeserializer())
    let decoded: unknown
    try {
      decoded = await this.#registry.call(`decoding with schema ${schemaId}`, () =>
        deserializer.deserialize(topic, value),
      )
    } catch (err) {
      if (err instanceof SchemaRegistryError) throw err
      throw new DecodeError(`the value does not match its writer's schema ${schemaId}: ${errorMessage(err)}`, {
        cause: err,
        details: { schemaId },
      })
    }
    return writer.schemaType === 'AVRO' ? avroToPlain(decoded, JSON.parse(writer.schema) as AvroSchema) : decoded
  }

  #jsonDeserializer(): Promise<Deserializer> {
    return (this.#json ??= this.#registry.library().then(
      ({ client, library }) =>
        new library.JsonDeserializer(client, library.SerdeType.VALUE, {
          validate: true,
          subjectNameStrategy: () => '',
          // Ajv options: writers' schemas may hold keywords Ajv does not know (kafkit's x-kafkit-*
          // annotations, a Java generator's javaType, formats without a validator): ignore, not fail.
          strict: false,
          logger: false,
        }),
    ))
  }

  #avroDeserializer(): Promise<Deserializer> {
    return (this.#avro ??= this.#registry
      .library()
      .then(
        ({ client, library }) =>
          new library.AvroDeserializer(client, library.SerdeType.VALUE, { subjectNameStrategy: () => '' }),
      ))
  }
}

/** The envelope as the JSON codec would have decoded it; validated by the consumer as any other. */
function envelopeOf(payload: unknown, headers: ReadonlyMap<string, string>, record: FramedRecord): unknown {
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
