// Publish and read back with a raw @platformatic/kafka consumer: every envelope field and header,
// offsets and partitions as reported, ids from the context, the batch and raw paths.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { propagation, type TextMapPropagator } from '@opentelemetry/api'
import { runWithContext } from '../../src/context/index.ts'
import { validateEnvelope } from '../../src/envelope/index.ts'
import { partitionForKey } from '../../src/producer/index.ts'
import { createTopic } from '../support/kafka.ts'
import { readRecords, testProducer, userEvents } from './support.ts'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('a published event reads back with every envelope field and header', async (t) => {
  const topic = await createTopic(t, 'publish', { partitions: 3 })
  const { UserRegistered } = userEvents(topic)
  const producer = testProducer(t)
  const before = Date.now()
  const result = await producer.publish(
    UserRegistered,
    { user_id: 'u-42', email: 'ada@example.com' },
    {
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: { id: 'admin-7', type: 'admin' },
      metadata: { tenant: 'acme' },
      headers: { 'x-extra': 'yes', 'event-type': 'spoofed' },
    },
  )
  assert.equal(result.status, 'published')
  assert.equal(result.topic, topic)
  assert.equal(result.key, 'u-42')
  assert.equal(result.partition, partitionForKey('u-42', 3))
  assert.match(result.eventId, UUID_V7)

  const [record] = await readRecords(t, topic, 1)
  assert.ok(record)
  assert.equal(record.partition, result.partition)
  assert.equal(record.offset, result.offset)
  assert.equal(record.key, 'u-42')
  const envelope = validateEnvelope(JSON.parse(record.value.toString()))
  assert.deepEqual(Object.keys(envelope).sort(), [
    'actor',
    'causation_id',
    'correlation_id',
    'id',
    'metadata',
    'payload',
    'source',
    'timestamp',
    'type',
    'version',
  ])
  assert.equal(envelope.id, result.eventId)
  assert.equal(envelope.type, 'user.registered')
  assert.equal(envelope.version, '1.0')
  assert.equal(envelope.source, 'test-service')
  assert.equal(envelope.correlation_id, 'corr-1')
  assert.equal(envelope.causation_id, 'cause-1')
  assert.deepEqual(envelope.actor, { id: 'admin-7', type: 'admin' })
  assert.deepEqual(envelope.metadata, { tenant: 'acme' })
  // The schema's output is what is sent: the default plan was filled in.
  assert.deepEqual(envelope.payload, { user_id: 'u-42', email: 'ada@example.com', plan: 'free' })
  const time = Date.parse(envelope.timestamp)
  assert.ok(time >= before && time <= Date.now(), 'timestamp is the publish time')
  assert.equal(record.timestamp, BigInt(time), 'the record timestamp is the envelope timestamp')

  assert.deepEqual(Object.fromEntries(record.headers), {
    'event-type': 'user.registered',
    'event-id': result.eventId,
    'event-version': '1.0',
    'event-source': 'test-service',
    'content-type': 'application/json',
    'correlation-id': 'corr-1',
    'causation-id': 'cause-1',
    'x-extra': 'yes',
  })
})

test('correlation and causation ids flow from the context', async (t) => {
  const topic = await createTopic(t, 'publish-context')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t)
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
  const inContext = await runWithContext(
    {
      correlationId: 'req-9',
      causationId: 'evt-parent',
      actor: { id: 'u-1', type: 'user' },
      traceparent,
      tracestate: 'k=v',
    },
    () => producer.publish(UserRegistered, { user_id: 'u-1', email: 'a@b.co' }),
  )
  const overridden = await runWithContext({ correlationId: 'req-9' }, () =>
    producer.publish(UserRegistered, { user_id: 'u-1', email: 'a@b.co' }, { correlationId: 'explicit' }),
  )
  const outside = await producer.publish(UserRegistered, { user_id: 'u-1', email: 'a@b.co' })

  const records = await readRecords(t, topic, 3)
  const byId = new Map(records.map((r) => [r.headers.get('event-id'), r]))
  const first = byId.get(inContext.eventId)!
  const firstEnvelope = JSON.parse(first.value.toString()) as Record<string, unknown>
  assert.equal(firstEnvelope['correlation_id'], 'req-9')
  assert.equal(firstEnvelope['causation_id'], 'evt-parent')
  assert.deepEqual(firstEnvelope['actor'], { id: 'u-1', type: 'user' })
  assert.equal(first.headers.get('correlation-id'), 'req-9')
  assert.equal(first.headers.get('causation-id'), 'evt-parent')
  assert.equal(first.headers.get('traceparent'), traceparent, 'the context trace continues without an OTel SDK')
  assert.equal(first.headers.get('tracestate'), 'k=v')

  const second = JSON.parse(byId.get(overridden.eventId)!.value.toString()) as Record<string, unknown>
  assert.equal(second['correlation_id'], 'explicit')

  const third = byId.get(outside.eventId)!
  const thirdEnvelope = JSON.parse(third.value.toString()) as Record<string, unknown>
  assert.match(String(thirdEnvelope['correlation_id']), UUID_V7, 'without a context a correlation id is generated')
  assert.equal(thirdEnvelope['correlation_id'], outside.eventId, 'outside any flow the event starts its own')
  assert.equal(third.headers.get('correlation-id'), outside.eventId)
  assert.equal(thirdEnvelope['causation_id'], undefined)
  assert.equal(third.headers.has('causation-id'), false)
  assert.equal(third.headers.has('traceparent'), false)
})

test('a registered OpenTelemetry propagator writes the trace headers', async (t) => {
  const topic = await createTopic(t, 'publish-otel')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t)
  // A stand-in for an SDK's W3C propagator: what it injects must reach the record.
  const propagator: TextMapPropagator = {
    inject: (_context, carrier, setter) => {
      setter.set(carrier, 'traceparent', '00-11111111111111111111111111111111-2222222222222222-01')
      setter.set(carrier, 'baggage', 'team=payments')
    },
    extract: (context) => context,
    fields: () => ['traceparent', 'baggage'],
  }
  propagation.setGlobalPropagator(propagator)
  t.after(() => propagation.disable())
  const result = await runWithContext({ traceparent: '00-ffffffffffffffffffffffffffffffff-eeeeeeeeeeeeeeee-01' }, () =>
    producer.publish(UserRegistered, { user_id: 'u-2', email: 'b@c.co' }),
  )
  const [record] = await readRecords(t, topic, 1)
  assert.equal(record?.headers.get('event-id'), result.eventId)
  assert.equal(record?.headers.get('traceparent'), '00-11111111111111111111111111111111-2222222222222222-01')
  assert.equal(record?.headers.get('baggage'), 'team=payments')
})

test('publishBatch writes every event with the offsets it reports', async (t) => {
  const topic = await createTopic(t, 'publish-batch', { partitions: 3 })
  const { UserRegistered } = userEvents(topic)
  const producer = testProducer(t)
  const items = Array.from({ length: 60 }, (_, i) => ({
    event: UserRegistered,
    payload: { user_id: `user-${i % 7}`, email: `u${i}@example.com`, note: String(i) },
  }))
  assert.deepEqual(await producer.publishBatch([]), [], 'an empty batch resolves at once')
  assert.deepEqual(await producer.sendRecords([]), [])
  const results = await producer.publishBatch(items)
  assert.equal(results.length, 60)
  const records = await readRecords(t, topic, 60)
  assert.equal(records.length, 60)
  const byId = new Map(records.map((r) => [r.headers.get('event-id'), r]))
  results.forEach((result, i) => {
    const record = byId.get(result.eventId)
    assert.ok(record, `event ${i} is on the topic`)
    assert.equal(record.partition, result.partition)
    assert.equal(record.offset, result.offset)
    assert.equal(record.key, `user-${i % 7}`)
    assert.equal(record.partition, partitionForKey(`user-${i % 7}`, 3))
    const envelope = JSON.parse(record.value.toString()) as { payload: { note: string } }
    assert.equal(envelope.payload.note, String(i))
  })
  // Within a partition, the batch order is kept.
  for (const partition of [0, 1, 2]) {
    const notes = records
      .filter((r) => r.partition === partition)
      .map((r) => Number((JSON.parse(r.value.toString()) as { payload: { note: string } }).payload.note))
    assert.deepEqual(
      notes,
      [...notes].sort((a, b) => a - b),
      `order in partition ${partition}`,
    )
  }
})

test('sendRecords writes raw bytes with headers, keys and explicit partitions', async (t) => {
  const topic = await createTopic(t, 'publish-raw', { partitions: 2 })
  const producer = testProducer(t)
  const metadata = await producer.sendRecords([
    { topic, key: 'k1', value: Buffer.from('not an envelope'), headers: { a: 'b', bin: Buffer.from([1, 2]) } },
    { topic, value: Buffer.from([0xff, 0x00]), partition: 1 },
    { topic, key: 'gone', value: null },
  ])
  assert.equal(metadata.length, 3)
  assert.equal(metadata[0]?.partition, partitionForKey('k1', 2))
  assert.equal(metadata[1]?.partition, 1)
  const records = await readRecords(t, topic, 3)
  const tombstone = records.find((r) => r.key === 'gone')!
  assert.equal(tombstone.tombstone, true, 'a null value is a tombstone')
  const first = records.find((r) => r.key === 'k1')!
  assert.equal(first.value.toString(), 'not an envelope')
  assert.equal(first.headers.get('a'), 'b')
  assert.equal(first.offset, metadata[0]?.offset)
  const second = records.find((r) => r.key === undefined)!
  assert.deepEqual([...second.value], [0xff, 0x00])
  assert.equal(second.partition, 1)
})
