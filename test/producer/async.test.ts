// The async path: fire-and-forget publishes batched by linger/batch size, reported through the
// callback and onDelivery listeners, bounded by maxBufferedRecords, and all written by close().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ErrorCodes, type KafkitError } from '../../src/errors.ts'
import type { DeliveryReport, PublishResult } from '../../src/producer/index.ts'
import { createTopic } from '../support/kafka.ts'
import { readRecords, recordCount, recordingLogger, testProducer, userEvents } from './support.ts'

const COUNT = 10_000

test('10,000 async publishes followed by close() are all on the topic exactly once', async (t) => {
  const topic = await createTopic(t, 'async', { partitions: 3 })
  const { UserRegistered } = userEvents(topic)
  const producer = testProducer(t)
  const delivered = new Map<string, PublishResult>()
  const failures: KafkitError[] = []
  const reports: DeliveryReport[] = []
  producer.onDelivery((report) => reports.push(report))
  const started = Date.now()
  for (let i = 0; i < COUNT; i++) {
    producer.publishAsync(
      UserRegistered,
      { user_id: `user-${i % 101}`, email: `u${i}@example.com`, note: String(i) },
      undefined,
      (error, result) => {
        if (error) failures.push(error)
        else delivered.set(result!.eventId, result!)
      },
    )
  }
  await producer.close()
  t.diagnostic(`${COUNT} async publishes acknowledged in ${Date.now() - started} ms`)

  assert.deepEqual(failures, [])
  assert.equal(delivered.size, COUNT, 'every publish got its delivery callback')
  assert.equal(reports.length, COUNT, "every publish got a 'delivery' event")
  assert.ok(reports.every((r) => r.ok))

  assert.equal(await recordCount(t, topic), COUNT, 'exactly COUNT records on the topic')
  const records = await readRecords(t, topic, COUNT)
  const seen = new Map<string, number>()
  for (const record of records) {
    const id = record.headers.get('event-id')!
    seen.set(id, (seen.get(id) ?? 0) + 1)
    const result = delivered.get(id)
    assert.ok(result, `record ${id} was published by this test`)
    assert.equal(record.partition, result.partition)
    assert.equal(record.offset, result.offset)
  }
  assert.equal(seen.size, COUNT, 'every event id once')
  assert.ok(
    [...seen.values()].every((n) => n === 1),
    'no duplicates',
  )

  // Per key, the order of publishing is the order on the topic.
  const notesByKey = Map.groupBy(records, (r) => r.key)
  for (const [key, ofKey] of notesByKey) {
    const notes = ofKey.map((r) =>
      Number((JSON.parse(r.value.toString()) as { payload: { note: string } }).payload.note),
    )
    assert.deepEqual(
      notes,
      [...notes].sort((a, b) => a - b),
      `order of ${key}`,
    )
  }
})

test('the async buffer is bounded: past maxBufferedRecords publishAsync throws, retryable', async (t) => {
  const topic = await createTopic(t, 'async-bound')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t, { maxBufferedRecords: 5, linger: 1000 })
  const payload = { user_id: 'u', email: 'a@b.co' }
  for (let i = 0; i < 5; i++) producer.publishAsync(UserRegistered, payload)
  assert.throws(
    () => producer.publishAsync(UserRegistered, payload),
    (err: KafkitError) => err.code === ErrorCodes.PRODUCER_BUFFER_FULL && err.retryable,
  )
  // flush() sends without waiting for the long linger, and frees the buffer.
  await producer.flush()
  assert.equal(await recordCount(t, topic), 5)
  producer.publishAsync(UserRegistered, payload)
  await producer.flush()
  assert.equal(await recordCount(t, topic), 6)
})

test('async records linger until the batch is full or linger passes', async (t) => {
  const topic = await createTopic(t, 'async-linger')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t, { linger: 60_000, batchSizeBytes: 4 * 1024 })
  const results: PublishResult[] = []
  const onDelivery = (_: unknown, result: PublishResult | undefined) => void results.push(result!)
  // Each record is ~400 bytes: the first few stay in the accumulator (linger is a minute).
  for (let i = 0; i < 3; i++)
    producer.publishAsync(UserRegistered, { user_id: 'u', email: `a${i}@b.co` }, {}, onDelivery)
  assert.equal(await recordCount(t, topic), 0, 'nothing sent before the batch fills')
  assert.equal(results.length, 0)
  // Filling the batch sends it without waiting for linger.
  for (let i = 3; i < 20; i++)
    producer.publishAsync(UserRegistered, { user_id: 'u', email: `a${i}@b.co` }, {}, onDelivery)
  const started = Date.now()
  await producer.flush()
  assert.ok(Date.now() - started < 30_000)
  assert.equal(results.length, 20)
  // Records sent in one request share a base offset range; offsets are consecutive in order.
  assert.deepEqual(
    results.map((r) => Number(r.offset)),
    Array.from({ length: 20 }, (_, i) => i),
  )
})

test('a sync publish goes after lingering async records of the same key', async (t) => {
  const topic = await createTopic(t, 'async-order')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t, { linger: 60_000 })
  const asyncResults: PublishResult[] = []
  producer.publishAsync(UserRegistered, { user_id: 'u', email: 'first@b.co' }, {}, (_, r) => void asyncResults.push(r!))
  const sync = await producer.publish(UserRegistered, { user_id: 'u', email: 'second@b.co' })
  assert.equal(asyncResults.length, 1, 'the lingering record was sent with (before) the sync one')
  assert.ok(asyncResults[0]!.offset < sync.offset)
})

test('a delivery callback or listener that throws is logged and breaks nothing', async (t) => {
  const topic = await createTopic(t, 'async-throw')
  const { UserRegistered } = userEvents(topic, 1)
  const logger = recordingLogger()
  const producer = testProducer(t, { logger })
  producer.onDelivery(() => {
    throw new Error('listener bug')
  })
  const delivered: string[] = []
  for (let i = 0; i < 3; i++) {
    producer.publishAsync(UserRegistered, { user_id: 'u', email: `a${i}@b.co` }, {}, (_, result) => {
      delivered.push(result!.eventId)
      throw new Error('callback bug')
    })
  }
  await producer.flush()
  assert.equal(delivered.length, 3)
  assert.equal(logger.lines.filter((l) => l.msg === 'a delivery callback or listener threw').length, 6)
  const later = await producer.publish(UserRegistered, { user_id: 'u', email: 'later@b.co' })
  assert.equal(later.offset, 3n, 'the producer goes on')
})
