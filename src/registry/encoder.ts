// The producer side of the registry codecs. Per event version, once: the schema's id (registered or
// looked up) and its encoder, compiled by Confluent's serdes (the Avro type is theirs; Protobuf's
// `.proto` text is parsed by protobufjs). Per record: encode and frame, synchronously; the
// byte-for-byte equality with Confluent's own serializers is a test. (Their serialize() also re-derives cache keys by deterministic stringification of the whole
// schema on every call, which made a record cost several times the JSON codec's.)
import type { AnyEvent } from '../catalog/event.ts'
import type { EncodedValue } from '../envelope/codec.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import { confluent, type SchemaRegistry } from './client.ts'
import { frame, protobufOf, registryEnvelopeHeaders, registrySchemaOf } from './codec.ts'
import { protobufMessage } from './protobuf.ts'
import type { RegistryCodecName } from './names.ts'

interface Serializer {
  id: number
  /** The framed value. */
  encode(payload: unknown): Buffer
}

/**
 * Encodes events for one codec. Encodings finish in the order they were asked for, so records of a
 * key keep their publish order while the first of an event version waits for the registry; once an
 * event version's schema id is known (and nothing before it is pending), encoding is synchronous.
 */
export class RegistryEncoder {
  readonly name: RegistryCodecName
  readonly contentType: string
  readonly #registry: SchemaRegistry
  readonly #ready = new WeakMap<AnyEvent, Serializer>()
  readonly #pending = new WeakMap<AnyEvent, Promise<Serializer>>()
  /** The last encoding still waiting for the registry, if any: later ones queue behind it. */
  #tail: Promise<unknown> | undefined
  #waiting = 0

  constructor(registry: SchemaRegistry, name: RegistryCodecName) {
    this.#registry = registry
    this.name = name
    this.contentType = `application/vnd.kafkit.${name}`
  }

  /** Throws or rejects with a KafkitError: the registry's, or ENCODE_FAILED for a payload that does not fit. */
  encode(envelope: Envelope, event: AnyEvent): EncodedValue | Promise<EncodedValue> {
    const ready = this.#ready.get(event)
    if (ready && this.#waiting === 0) return this.#encode(ready, envelope, event)
    this.#waiting++
    const previous = this.#tail ?? Promise.resolve()
    const result = previous.then(async () => this.#encode(await this.#serializerFor(event), envelope, event))
    const settled: Promise<void> = result.then(
      () => this.#settled(settled),
      () => this.#settled(settled),
    )
    this.#tail = settled
    return result
  }

  #settled(settled: Promise<unknown>): void {
    this.#waiting--
    if (this.#tail === settled) this.#tail = undefined
  }

  #encode(serializer: Serializer, envelope: Envelope, event: AnyEvent): EncodedValue {
    let value: Buffer
    try {
      value = serializer.encode(envelope.payload)
    } catch (err) {
      const message = `${event.type}: the ${this.name} codec could not encode the payload with schema ${serializer.id}: ${errorMessage(err)}`
      throw new KafkitError(ErrorCodes.ENCODE_FAILED, message, { cause: err, details: { schemaId: serializer.id } })
    }
    return { value, headers: registryEnvelopeHeaders(envelope) }
  }

  #serializerFor(event: AnyEvent): Promise<Serializer> {
    const ready = this.#ready.get(event)
    if (ready) return Promise.resolve(ready)
    let pending = this.#pending.get(event)
    if (!pending) {
      pending = this.#createSerializer(event).then(
        (serializer) => {
          this.#ready.set(event, serializer)
          this.#pending.delete(event)
          return serializer
        },
        (err: unknown) => {
          // Not remembered (the registry may be down for a moment): the next publish asks again.
          this.#pending.delete(event)
          throw err
        },
      )
      this.#pending.set(event, pending)
    }
    return pending
  }

  async #createSerializer(event: AnyEvent): Promise<Serializer> {
    const registry = this.#registry
    const subject = registry.subjectOf({ topic: event.topic.name, type: event.type, major: event.major })
    const schema = registrySchemaOf(event, this.name)
    const id = await registry.idFor(subject, schema)
    if (schema.schemaType === 'JSON') {
      // What Confluent's JsonSerializer writes: JSON.stringify of the payload (validated already by
      // the catalog's schema, which this JSON Schema was derived from).
      return { id, encode: (payload) => frame(id, Buffer.from(JSON.stringify(payload))) }
    }
    const { client, library } = await confluent(registry)
    if (schema.schemaType === 'PROTOBUF') {
      const { message } = protobufOf(event)
      const { type, indexes } = await protobufMessage(schema.schema, message)
      // Confluent's frame for Protobuf: the schema id, then the message's indexes in the file.
      const prefix = new library.SchemaId('PROTOBUF', id, undefined, indexes).idToBytes()
      return {
        id,
        // The catalog's validator has checked the payload; fromObject maps it (enum names, nested
        // messages) and throws on what cannot be mapped.
        encode: (payload) =>
          Buffer.concat([prefix, type.encode(type.fromObject(payload as Record<string, unknown>)).finish()]),
      }
    }
    const serde = new library.AvroSerializer(client, library.SerdeType.VALUE, { useSchemaId: id })
    const [type] = await registry.call(`compiling the Avro schema of ${subject}`, () => serde.toType(schema))
    return { id, encode: (payload) => frame(id, type.toBuffer(payload)) }
  }
}
