// The consumer side of the registry codecs. Per writer schema id, once: the schema fetched from the
// registry and compiled by Confluent's serdes (an Ajv validator for JSON Schema, an Avro type) or,
// for Protobuf, parsed by protobufjs. Per
// record: unframe, decode, validate, rebuild the envelope from the headers; synchronous once the
// writer's schema is known.
import { Headers } from '../envelope/headers.ts'
import { DecodeError, KafkitError, errorMessage } from '../errors.ts'
import { avroToPlain, type AvroSchema } from '../schema/avro.ts'
import { confluent, type RegistrySchema, type SchemaRegistry } from './client.ts'
import { envelopeFromHeaders, isFramed, schemaIdOf, type FramedRecord } from './codec.ts'
import { messageAt, protobufMessages, TO_OBJECT } from './protobuf.ts'

/** Reads a framed value (the frame included: Protobuf's holds message indexes after the id). */
type Reader = (value: Buffer) => unknown

const REQUIRED = [Headers.eventId, Headers.eventType, Headers.eventVersion, Headers.eventSource] as const
/** Writer schemas kept compiled; a topic sees a handful, so this bounds only the pathological case. */
const MAX_READERS = 1000

/**
 * Decodes framed values of any registry format. A value the registry has no schema for, or that
 * does not match its schema, fails for good (DECODE_FAILED or SCHEMA_UNKNOWN: the DLQ); a registry
 * that does not answer fails with a retryable REGISTRY_UNAVAILABLE after bounded retries.
 */
export class RegistryDecoder {
  readonly #registry: SchemaRegistry
  readonly #readers = new Map<number, Reader>()
  readonly #pending = new Map<number, Promise<Reader>>()

  constructor(registry: SchemaRegistry) {
    this.#registry = registry
  }

  /** An envelope-shaped value (validated by the caller, as any codec's); a promise only while the writer's schema is fetched. */
  decode(value: Buffer, headers: ReadonlyMap<string, string>, record: FramedRecord): unknown {
    if (!isFramed(value)) {
      throw new DecodeError('the value is not in the Confluent wire format (magic byte 0, schema id)')
    }
    const schemaId = schemaIdOf(value)
    const missing = REQUIRED.filter((name) => !headers.get(name))
    if (missing.length > 0) {
      throw new DecodeError(
        `a record in the Confluent wire format (schema id ${schemaId}) lacks the header(s) ${missing.join(', ')} that carry its envelope`,
        { details: { schemaId } },
      )
    }
    const reader = this.#readers.get(schemaId)
    if (reader) return envelopeFromHeaders(read(reader, value, schemaId), headers, record)
    return this.#readerFor(schemaId).then((r) => envelopeFromHeaders(read(r, value, schemaId), headers, record))
  }

  #readerFor(schemaId: number): Promise<Reader> {
    let pending = this.#pending.get(schemaId)
    if (!pending) {
      pending = this.#createReader(schemaId).then(
        (reader) => {
          if (this.#readers.size >= MAX_READERS) this.#readers.clear()
          this.#readers.set(schemaId, reader)
          this.#pending.delete(schemaId)
          return reader
        },
        (err: unknown) => {
          this.#pending.delete(schemaId)
          if (KafkitError.is(err)) Object.assign(err.details, { schemaId })
          throw err
        },
      )
      this.#pending.set(schemaId, pending)
    }
    return pending
  }

  async #createReader(schemaId: number): Promise<Reader> {
    const registry = this.#registry
    const writer = await registry.schemaById(schemaId)
    const { client, library } = await confluent(registry)
    const compile = `compiling schema ${schemaId}`
    if (writer.schemaType === 'JSON') {
      const serde = new library.JsonDeserializer(client, library.SerdeType.VALUE, {
        validate: true,
        // Ajv options: writers' schemas may hold keywords Ajv does not know (kafkit's x-kafkit-*
        // annotations, a Java generator's javaType, formats without a validator): ignore, not fail.
        strict: false,
        logger: false,
      })
      const validate = await registry.call(compile, () => serde.toValidateFunction(info(writer)))
      return (value) => {
        const payload: unknown = JSON.parse(value.toString('utf8', 5))
        if (validate && !validate(payload)) {
          const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(payload)'} ${e.message ?? ''}`)
          throw new Error(`it does not match: ${problems.join('; ')}`)
        }
        return payload
      }
    }
    if (writer.schemaType === 'AVRO') {
      const serde = new library.AvroDeserializer(client, library.SerdeType.VALUE, {})
      const [type] = await registry.call(compile, () => serde.toType(info(writer)))
      const schema = JSON.parse(writer.schema) as AvroSchema
      return (value) => avroToPlain(type.fromBuffer(value.subarray(5)), schema)
    }
    if (writer.schemaType === 'PROTOBUF') {
      const messages = await protobufMessages(writer.schema).catch((err: unknown) => {
        throw new DecodeError(`schema ${schemaId} is not a .proto kafkit can read: ${errorMessage(err)}`, {
          cause: err,
          details: { schemaId },
        })
      })
      return (value) => {
        const frame = new library.SchemaId('PROTOBUF')
        const read = frame.fromBytes(value)
        const type = messageAt(messages, frame.messageIndexes ?? [0], schemaId)
        return type.toObject(type.decode(value.subarray(read)), TO_OBJECT)
      }
    }
    // A registry may know other types (its own extensions) than the three kafkit reads.
    throw new DecodeError(`schema ${schemaId} is ${String(writer.schemaType)}, which kafkit does not decode`, {
      details: { schemaId },
    })
  }
}

function info(schema: RegistrySchema) {
  return { schemaType: schema.schemaType, schema: schema.schema }
}

function read(reader: Reader, value: Buffer, schemaId: number): unknown {
  try {
    return reader(value)
  } catch (err) {
    throw new DecodeError(`the value does not match its writer's schema ${schemaId}: ${errorMessage(err)}`, {
      cause: err,
      details: { schemaId },
    })
  }
}
