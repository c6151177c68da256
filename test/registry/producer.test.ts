// Publishing to topics with a registry codec, against the real broker and registry: the Confluent
// wire format (magic byte, schema id, payload), the envelope in headers, decoding back, publish order
// while the registry is asked, and a registry that is down or missing.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, type AnyEvent } from '../../src/catalog/index.ts'
import { validateEnvelope } from '../../src/envelope/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import {
  RegistryDecoder,
  SchemaRegistry,
  isFramed,
  registrySchemaOf,
  schemaIdOf,
  type RegistryCodecName,
} from '../../src/registry/index.ts'
import { createTopic } from '../support/kafka.ts'
import { closedPort, testRegistry } from '../support/registry.ts'
import { readRecords, recordCount, testProducer } from '../producer/support.ts'

function rideEvents(topicName: string, codec: RegistryCodecName) {
  const rides = defineTopic({ name: topicName, key: 'ride_id', partitions: 1, codec })
  const RideCompleted = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic: rides,
    schema: z.object({
      ride_id: z.string(),
      fare: z.number(),
      distance_km: z.number().int(),
      service: z.enum(['moto', 'standard']),
      stops: z.array(z.object({ lat: z.number(), lng: z.number() })),
      note: z.string().optional(),
    }),
  })
  const RideRated = defineEvent({
    type: 'ride.rated',
    version: '1.0',
    topic: rides,
    schema: z.object({ ride_id: z.string(), rating: z.number().int() }),
  })
  return { rides, RideCompleted, RideRated }
}

function subjectsOf(registry: SchemaRegistry, ...events: AnyEvent[]): string[] {
  return events.map((e) => registry.subjectOf({ topic: e.topic.name, type: e.type, major: e.major }))
}

const payload = {
  ride_id: 'r-1',
  fare: 12.5,
  distance_km: 7,
  service: 'moto' as const,
  stops: [{ lat: -25.96, lng: 32.58 }],
}

for (const codec of ['registry-json', 'registry-avro'] as const) {
  test(`${codec}: the value is the payload in the Confluent wire format, the envelope is in headers`, async (t) => {
    const topic = await createTopic(t, `registry-${codec}`)
    const { RideCompleted } = rideEvents(topic, codec)
    const subjects: string[] = []
    const registry = testRegistry(t, {}, () => subjects)
    subjects.push(...subjectsOf(registry, RideCompleted))
    const producer = testProducer(t, { registry })

    const with_note = { ...payload, ride_id: 'r-2', note: 'left a bag' }
    const first = await producer.publish(RideCompleted, payload, {
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: { id: 'driver-9', type: 'user' },
      metadata: { tenant: 'txova' },
    })
    await producer.publish(RideCompleted, with_note)
    const records = await readRecords(t, topic, 2)

    const [record, second] = records
    assert.ok(record && second)
    assert.ok(isFramed(record.value), 'magic byte 0 and a schema id')
    const id = await registry.lookup(subjects[0]!, registrySchemaOf(RideCompleted, codec))
    assert.equal(schemaIdOf(record.value), id, 'the schema id of the catalog schema under its subject')
    assert.equal((await registry.schemaById(id)).schemaType, codec === 'registry-json' ? 'JSON' : 'AVRO')
    if (codec === 'registry-json') assert.deepEqual(JSON.parse(record.value.subarray(5).toString()), payload)
    else assert.throws(() => JSON.parse(record.value.subarray(5).toString()), 'Avro binary, not JSON')

    assert.equal(record.headers.get('event-type'), 'ride.completed')
    assert.equal(record.headers.get('event-version'), '1.0')
    assert.equal(record.headers.get('event-id'), first.eventId)
    assert.equal(record.headers.get('content-type'), `application/vnd.kafkit.${codec}`)
    assert.equal(record.headers.get('event-actor-id'), 'driver-9')

    const decoder = new RegistryDecoder(registry)
    const envelope = validateEnvelope(await decoder.decode(record.value, record.headers, { topic }))
    assert.equal(envelope.id, first.eventId)
    assert.equal(envelope.type, 'ride.completed')
    assert.equal(envelope.version, '1.0')
    assert.equal(envelope.source, 'test-service')
    assert.equal(envelope.timestamp, record.headers.get('event-time'))
    assert.equal(envelope.correlation_id, 'corr-1')
    assert.equal(envelope.causation_id, 'cause-1')
    assert.deepEqual(envelope.actor, { id: 'driver-9', type: 'user' })
    assert.deepEqual(envelope.metadata, { tenant: 'txova' })
    assert.deepEqual(envelope.payload, payload, 'an absent optional field stays absent')
    const again = validateEnvelope(await decoder.decode(second.value, second.headers, { topic }))
    assert.deepEqual(again.payload, with_note)
  })
}

test('records of a key keep their publish order while the first waits for the registry', async (t) => {
  const topic = await createTopic(t, 'registry-order')
  const { RideCompleted, RideRated } = rideEvents(topic, 'registry-json')
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  subjects.push(...subjectsOf(registry, RideCompleted, RideRated))
  const producer = testProducer(t, { registry })
  await producer.publish(RideRated, { ride_id: 'r-1', rating: 5 }) // its schema id is now cached

  // ride.completed needs a registry round trip; the ratings after it do not.
  const publishes = [producer.publish(RideCompleted, payload)]
  for (let rating = 1; rating <= 4; rating++) publishes.push(producer.publish(RideRated, { ride_id: 'r-1', rating }))
  const results = await Promise.all(publishes)
  const offsets = results.map((r) => (r.status === 'published' ? r.offset : -1n))
  assert.deepEqual(offsets, [1n, 2n, 3n, 4n, 5n])
  const types = (await readRecords(t, topic, 6)).map((r) => r.headers.get('event-type'))
  assert.deepEqual(types, ['ride.rated', 'ride.completed', 'ride.rated', 'ride.rated', 'ride.rated', 'ride.rated'])
})

test('a registry that is down fails the publish with REGISTRY_UNAVAILABLE after bounded retries; nothing is sent', async (t) => {
  const topic = await createTopic(t, 'registry-down')
  const { RideCompleted } = rideEvents(topic, 'registry-json')
  const registry = new SchemaRegistry({ url: `http://127.0.0.1:${await closedPort()}`, retries: 2, retryBackoff: 20 })
  const producer = testProducer(t, { registry })
  const error = await producer.publish(RideCompleted, payload).then(
    () => assert.fail('published without a registry'),
    (err: unknown) => err,
  )
  assert.ok(KafkitError.is(error))
  assert.equal(error.code, ErrorCodes.REGISTRY_UNAVAILABLE)
  assert.equal(error.retryable, true)
  assert.equal(error.details['attempts'], 3)
  assert.equal(await recordCount(t, topic), 0)
})

test('a registry topic without a registry fails the publish with a message naming SCHEMA_REGISTRY_URL', async (t) => {
  const topic = await createTopic(t, 'registry-missing')
  const { RideCompleted } = rideEvents(topic, 'registry-avro')
  const producer = testProducer(t)
  await assert.rejects(producer.publish(RideCompleted, payload), (err: unknown) => {
    assert.ok(KafkitError.is(err))
    assert.equal(err.code, ErrorCodes.CONFIG_INVALID)
    assert.match(err.message, new RegExp(`topic ${topic} uses the registry-avro codec.*SCHEMA_REGISTRY_URL`))
    return true
  })
})
