// kafkit frames and runs the schemas Confluent's serdes compile: the bytes must be exactly what
// Confluent's serializers write, and decoding must agree with their deserializers. Against the real
// registry, with JSON Schema and Avro; and the decoding failures that send a record to the DLQ.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, type AnyEvent } from '../../src/catalog/index.ts'
import { createEnvelope, validateEnvelope } from '../../src/envelope/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import {
  RegistryDecoder,
  RegistryEncoder,
  registrySchemaOf,
  schemaIdOf,
  type RegistryCodecName,
} from '../../src/registry/index.ts'
import { confluent } from '../../src/registry/client.ts'
import { avroToPlain, type AvroSchema } from '../../src/schema/avro.ts'
import { uniqueName } from '../support/kafka.ts'
import { testRegistry } from '../support/registry.ts'

const Schema = z.object({
  ride_id: z.string(),
  fare: z.number(),
  passengers: z.number().int(),
  paid: z.boolean(),
  service: z.enum(['moto', 'standard']),
  pickup: z.object({ lat: z.number(), lng: z.number(), address: z.string().optional() }),
  stops: z.array(z.object({ lat: z.number(), lng: z.number() })),
  tags: z.record(z.string(), z.string()),
  note: z.string().optional(),
})

const payloads = [
  {
    ride_id: 'r-1',
    fare: 12.75,
    passengers: 2,
    paid: true,
    service: 'moto' as const,
    pickup: { lat: -25.96, lng: 32.58, address: 'Av. Julius Nyerere' },
    stops: [{ lat: -25.9, lng: 32.6 }],
    tags: { city: 'maputo' },
    note: 'ça va — ✓',
  },
  {
    ride_id: 'r-2',
    fare: 0,
    passengers: 1,
    paid: false,
    service: 'standard' as const,
    pickup: { lat: 0, lng: 0 },
    stops: [],
    tags: {},
  },
]

function setup(t: TestContext, codec: RegistryCodecName) {
  const topic = defineTopic({ name: uniqueName('serdes.rides'), key: 'ride_id', codec })
  const event = defineEvent({ type: 'ride.completed', version: '1.0', topic, schema: Schema })
  const subjects: string[] = []
  // Confluent's serializer calls the registry through this client too; its first calls can reach a
  // registry that has just started (a cold JVM), so the bound is wider than the 5 s default.
  const registry = testRegistry(t, { requestTimeout: 30_000 }, () => subjects)
  const subject = registry.subjectOf({ topic: topic.name, type: event.type, major: 1 })
  subjects.push(subject)
  return {
    event,
    registry,
    subject,
    encoder: new RegistryEncoder(registry, codec),
    decoder: new RegistryDecoder(registry),
  }
}

function envelopeOf(event: AnyEvent, payload: object) {
  return createEnvelope({ type: event.type, version: event.version, source: 'serdes-test', payload })
}

for (const codec of ['registry-json', 'registry-avro'] as const) {
  test(`${codec}: the bytes are Confluent's serializer's, and decoding agrees with its deserializer`, async (t) => {
    const { event, registry, subject, encoder, decoder } = setup(t, codec)
    const { client, library } = await confluent(registry)
    for (const payload of payloads) {
      const envelope = envelopeOf(event, payload)
      const encoded = await encoder.encode(envelope, event)
      const id = schemaIdOf(encoded.value)
      assert.equal(id, await registry.lookup(subject, registrySchemaOf(event, codec)))
      const config = { useSchemaId: id, subjectNameStrategy: () => subject }
      const theirs =
        codec === 'registry-json'
          ? await new library.JsonSerializer(client, library.SerdeType.VALUE, config).serialize(
              event.topic.name,
              payload,
            )
          : await new library.AvroSerializer(client, library.SerdeType.VALUE, config).serialize(
              event.topic.name,
              payload,
            )
      assert.ok(encoded.value.equals(theirs), `${codec} bytes equal Confluent's (${payload.ride_id})`)

      const headers = new Map([
        ['event-id', envelope.id],
        ['event-type', envelope.type],
        ['event-version', envelope.version],
        ['event-source', envelope.source],
        ...Object.entries(encoded.headers ?? {}),
      ])
      const decoded = validateEnvelope(await decoder.decode(encoded.value, headers, { topic: event.topic.name }))
      assert.deepEqual(decoded.payload, payload)
      const deserializer =
        codec === 'registry-json'
          ? new library.JsonDeserializer(client, library.SerdeType.VALUE, { validate: true, strict: false })
          : new library.AvroDeserializer(client, library.SerdeType.VALUE, {})
      const read: unknown = await deserializer.deserialize(event.topic.name, encoded.value)
      const avroSchema = JSON.parse(registrySchemaOf(event, codec).schema) as AvroSchema
      const plain = codec === 'registry-avro' ? avroToPlain(read, avroSchema) : read
      assert.deepEqual(plain, decoded.payload, "the same payload as Confluent's deserializer")
    }
  })
}

/** The KafkitError a call throws or rejects with (decoding and encoding are synchronous when they can be). */
async function failure(call: () => unknown): Promise<KafkitError> {
  try {
    await call()
  } catch (err) {
    assert.ok(KafkitError.is(err), String(err))
    return err
  }
  assert.fail('expected a failure')
}

test('decoding failures: an unknown schema id, a payload against its schema, missing headers, no frame', async (t) => {
  const { event, decoder, encoder } = setup(t, 'registry-json')
  const envelope = envelopeOf(event, payloads[0]!)
  const { value } = await encoder.encode(envelope, event)
  const headers = new Map([
    ['event-id', envelope.id],
    ['event-type', 'ride.completed'],
    ['event-version', '1.0'],
    ['event-source', 'x'],
  ])
  const record = { topic: event.topic.name }

  const unknown = Buffer.from(value)
  unknown.writeInt32BE(2_000_000_001, 1)
  const notKnown = await failure(() => decoder.decode(unknown, headers, record))
  assert.equal(notKnown.code, ErrorCodes.SCHEMA_UNKNOWN)
  assert.equal(notKnown.retryable, false)
  assert.equal(notKnown.details['schemaId'], 2_000_000_001)

  const wrong = Buffer.concat([value.subarray(0, 5), Buffer.from(JSON.stringify({ ...payloads[0], fare: 'twelve' }))])
  const mismatch = await failure(() => decoder.decode(wrong, headers, record))
  assert.equal(mismatch.code, ErrorCodes.DECODE_FAILED)
  assert.equal(mismatch.retryable, false)
  assert.match(
    mismatch.message,
    new RegExp(`does not match its writer's schema ${schemaIdOf(value)}: .*/fare must be number`),
  )

  const bare = new Map([['event-id', envelope.id]])
  const missing = await failure(() => decoder.decode(value, bare, record))
  assert.match(missing.message, /lacks the header\(s\) event-type, event-version, event-source/)

  const json = Buffer.from(JSON.stringify(envelope))
  const unframed = await failure(() => decoder.decode(json, headers, record))
  assert.match(unframed.message, /not in the Confluent wire format/)
})

test('a payload Avro cannot encode fails with ENCODE_FAILED naming the schema', async (t) => {
  const { event, encoder } = setup(t, 'registry-avro')
  await encoder.encode(envelopeOf(event, payloads[0]!), event)
  const error = await failure(() => encoder.encode(envelopeOf(event, { ...payloads[0], passengers: 'two' }), event))
  assert.equal(error.code, ErrorCodes.ENCODE_FAILED)
  assert.match(error.message, /ride\.completed: the registry-avro codec could not encode the payload with schema \d+/)
})

const RIDE_PROTO = `syntax = "proto3";
package txova.rides;

message Stop {
  double lat = 1;
  double lng = 2;
}

message RideCompleted {
  enum Service {
    MOTO = 0;
    STANDARD = 1;
  }
  string ride_id = 1;
  double fare = 2;
  int64 passengers = 3;
  bool paid = 4;
  Service service = 5;
  repeated Stop stops = 6;
  optional string note = 7;
  map<string, string> tags = 8;
}
`

test('registry-protobuf: the Confluent frame names the message by its indexes; payloads round-trip', async (t) => {
  const topic = defineTopic({ name: uniqueName('serdes.rides'), key: 'ride_id', codec: 'registry-protobuf' })
  const event = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: z.object({
      ride_id: z.string(),
      fare: z.number(),
      passengers: z.number().int(),
      paid: z.boolean(),
      service: z.enum(['MOTO', 'STANDARD']),
      stops: z.array(z.object({ lat: z.number(), lng: z.number() })),
      note: z.string().optional(),
      tags: z.record(z.string(), z.string()),
    }),
    schemas: { protobuf: { proto: RIDE_PROTO, message: 'txova.rides.RideCompleted' } },
  })
  const subjects: string[] = []
  // Confluent's serializer calls the registry through this client too; its first calls can reach a
  // registry that has just started (a cold JVM), so the bound is wider than the 5 s default.
  const registry = testRegistry(t, { requestTimeout: 30_000 }, () => subjects)
  const subject = registry.subjectOf({ topic: topic.name, type: event.type, major: 1 })
  subjects.push(subject)
  const encoder = new RegistryEncoder(registry, 'registry-protobuf')
  const decoder = new RegistryDecoder(registry)
  const { library } = await confluent(registry)
  const protobuf = (await import('protobufjs')).default
  const independent = protobuf.parse(RIDE_PROTO, { keepCase: true }).root.lookupType('txova.rides.RideCompleted')

  const ride = {
    ride_id: 'r-1',
    fare: 0,
    passengers: 3,
    paid: false,
    service: 'STANDARD' as const,
    stops: [{ lat: -25.9, lng: 32.6 }],
    tags: { city: 'maputo' },
  }
  for (const payload of [ride, { ...ride, fare: 9.5, note: 'a bag left behind', service: 'MOTO' as const }]) {
    const envelope = envelopeOf(event, payload)
    const { value, headers } = await encoder.encode(envelope, event)
    const frame = new library.SchemaId('PROTOBUF')
    const read = frame.fromBytes(value)
    assert.equal(frame.id, await registry.lookup(subject, registrySchemaOf(event, 'registry-protobuf')))
    assert.deepEqual(frame.messageIndexes, [1], 'RideCompleted is the second message of the file')
    assert.deepEqual(value.subarray(5, 7), Buffer.from([0x02, 0x02]), 'count 1, index 1, as zigzag varints')
    const decodedIndependently = independent.toObject(independent.decode(value.subarray(read)), {
      enums: String,
      longs: Number,
    })
    assert.equal(decodedIndependently['ride_id'], payload.ride_id)

    const all = new Map([
      ['event-id', envelope.id],
      ['event-type', envelope.type],
      ['event-version', envelope.version],
      ['event-source', envelope.source],
      ...Object.entries(headers ?? {}),
    ])
    const decoded = validateEnvelope(await decoder.decode(value, all, { topic: topic.name }))
    assert.deepEqual(decoded.payload, payload, 'proto3 defaults (0, false) present, an unset optional absent')
  }
  const error = await failure(() => encoder.encode(envelopeOf(event, { ...ride, stops: 'none' }), event))
  assert.equal(error.code, ErrorCodes.ENCODE_FAILED)
  assert.match(
    error.message,
    /the registry-protobuf codec could not encode the payload with schema \d+: .*stops: array expected/,
  )
})
