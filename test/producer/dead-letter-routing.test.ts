// deadLetter: true — records that can never be written (invalid, too large for the producer or the
// broker) go to their topic's DLQ as failure records, and the publish resolves 'dead-lettered'.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type { KafkitError } from '../../src/errors.ts'
import { ErrorCodes, PayloadError } from '../../src/errors.ts'
import type { PublishResult } from '../../src/producer/index.ts'
import { failureOf } from '../support/dlq.ts'
import { createTopic, uniqueName } from '../support/kafka.ts'
import {
  provision,
  readRecords,
  recordCount,
  recordingLogger,
  testProducer,
  userEvents,
  type UserRegisteredInput,
} from './support.ts'

test('invalid and oversized events go to the DLQ with the failure; valid ones to the topic', async (t) => {
  const { users, UserRegistered } = userEvents(uniqueName('dlq-route'), 2)
  const [topic, dlq] = (await provision(t, [users])) as [string, string]
  assert.equal(dlq, `${topic}.dlq`)
  const logger = recordingLogger()
  const producer = testProducer(t, { deadLetter: true, maxRecordBytes: 16 * 1024, logger })
  const invalid = { user_id: 'u-bad', email: 'nope' } as UserRegisteredInput

  const bad = await producer.publish(UserRegistered, invalid, { correlationId: 'c-1' })
  const big = await producer.publish(UserRegistered, { user_id: 'u-big', email: 'a@b.co', note: 'x'.repeat(20_000) })
  const good = await producer.publish(UserRegistered, { user_id: 'u-ok', email: 'a@b.co' })
  const asyncReport = new Promise<PublishResult>((resolve, reject) =>
    producer.publishAsync(UserRegistered, invalid, {}, (err, result) => (err ? reject(err) : resolve(result!))),
  )
  const viaAsync = await asyncReport

  assert.equal(good.status, 'published')
  for (const result of [bad, big, viaAsync]) {
    assert.equal(result.status, 'dead-lettered')
    if (result.status !== 'dead-lettered') continue
    assert.equal(result.topic, dlq)
    assert.equal(result.originalTopic, topic)
  }
  assert.ok(bad.status === 'dead-lettered' && bad.error instanceof PayloadError)
  assert.ok(big.status === 'dead-lettered' && big.error.code === ErrorCodes.RECORD_TOO_LARGE)

  assert.equal(await recordCount(t, topic), 1, 'only the valid event is on the topic')
  const records = await readRecords(t, dlq, 3)
  const byEvent = new Map(records.map((r) => [r.headers.get('kafkit-dlq-event-id'), r]))

  const badRecord = byEvent.get(bad.eventId)!
  assert.equal(badRecord.key, 'u-bad', 'the DLQ record keeps the key')
  assert.equal(badRecord.offset, bad.offset)
  const badValue = failureOf(badRecord)
  assert.equal(badValue.original_topic, topic)
  assert.equal(badValue.event_type, 'user.registered')
  assert.equal(badValue.service, 'test-service')
  assert.equal(badValue.error_code, ErrorCodes.PAYLOAD_INVALID)
  assert.match(badValue.error_message, /email/)
  assert.equal(badValue.retryable, false)
  assert.equal(badValue.attempt_count, 1)
  assert.equal(badValue.value_encoding, 'json')
  const envelope = badValue.original_value as { id: string; correlation_id: string; payload: unknown }
  assert.equal(envelope.id, bad.eventId)
  assert.equal(envelope.correlation_id, 'c-1')
  assert.deepEqual(envelope.payload, invalid, 'the payload as given')
  assert.equal(badValue.original_headers['event-id'], bad.eventId)

  const bigValue = failureOf(byEvent.get(big.eventId)!)
  assert.equal(bigValue.error_code, ErrorCodes.RECORD_TOO_LARGE)
  assert.equal(bigValue.value_omitted_reason, 'too-large', 'a too-large value cannot be copied')
  assert.ok(byEvent.get(viaAsync.eventId))

  const warnings = logger.lines.filter((l) => l.level === 'warn' && /dead-lettered/.test(l.msg ?? ''))
  assert.equal(warnings.length, 3)
  assert.equal(warnings[0]!.obj['dlqTopic'], dlq)
})

test('a topic that excludes values gets failure records without them', async (t) => {
  const { users, UserRegistered } = userEvents(uniqueName('dlq-novalue'), 1, { dlqIncludesValue: false })
  const [, dlq] = (await provision(t, [users])) as [string, string]
  const producer = testProducer(t, { deadLetter: true })
  const result = await producer.publish(UserRegistered, { user_id: 'u', email: 'secret-but-invalid' })
  assert.equal(result.status, 'dead-lettered')
  const [record] = await readRecords(t, dlq, 1)
  const value = failureOf(record!)
  assert.equal(value.value_omitted_reason, 'excluded')
  assert.ok(!record!.value.toString().includes('secret-but-invalid'))
})

test("the broker's too-large refusal: a batch is split, and only the record that cannot fit is dead-lettered", async (t) => {
  const { users, UserRegistered } = userEvents(uniqueName('dlq-broker'), 1, { config: { 'max.message.bytes': '4096' } })
  const [topic, dlq] = (await provision(t, [users])) as [string, string]
  // No compression and random notes: the broker sees the real sizes.
  const producer = testProducer(t, { deadLetter: true, compression: 'none' })
  const note = () => randomBytes(300).toString('hex') // ~600 bytes per record
  const items = Array.from({ length: 12 }, (_, i) => ({
    event: UserRegistered,
    payload: { user_id: `u${i}`, email: 'a@b.co', note: i === 5 ? 'y'.repeat(6000) : note() },
  }))
  const results = await producer.publishBatch(items)
  const dead = results.filter((r) => r.status === 'dead-lettered')
  assert.equal(dead.length, 1)
  assert.equal(dead[0]!.eventId, results[5]!.eventId)
  assert.ok(dead[0]!.status === 'dead-lettered' && dead[0]!.error.code === ErrorCodes.RECORD_TOO_LARGE)
  assert.equal(await recordCount(t, topic), 11, 'the other eleven were written once each')
  const written = await readRecords(t, topic, 11)
  assert.deepEqual(
    new Set(written.map((r) => r.headers.get('event-id'))),
    new Set(results.filter((r) => r.status === 'published').map((r) => r.eventId)),
  )
  const [failure] = await readRecords(t, dlq, 1)
  const value = failureOf(failure!)
  assert.equal(value.event_id, results[5]!.eventId)
  assert.equal(value.value_encoding, 'json', 'the DLQ has the default size limit, so the value fits')
})

test('without deadLetter the broker refusal rejects with KAFKIT_RECORD_TOO_LARGE', async (t) => {
  const topic = await createTopic(t, 'dlq-off', { configs: { 'max.message.bytes': '2048' } })
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t, { compression: 'none' })
  await assert.rejects(
    producer.publish(UserRegistered, { user_id: 'u', email: 'a@b.co', note: 'z'.repeat(4000) }),
    (err: KafkitError) => err.code === ErrorCodes.RECORD_TOO_LARGE && !err.retryable && /too large/.test(err.message),
  )
})

test('if the DLQ write fails, the publish fails with the original error', async (t) => {
  // The topic exists, its DLQ does not: the failure record cannot be written within the deadline.
  const topic = await createTopic(t, 'dlq-missing')
  const { UserRegistered } = userEvents(topic, 1)
  const logger = recordingLogger()
  const producer = testProducer(t, { deadLetter: true, deliveryTimeout: 1500, logger })
  await assert.rejects(producer.publish(UserRegistered, { user_id: 'u', email: 'bad' }), PayloadError)
  assert.ok(logger.lines.some((l) => l.msg === 'writing to the DLQ failed' && l.obj['dlqTopic'] === `${topic}.dlq`))
  assert.ok(logger.lines.some((l) => l.msg === 'publish failed' && l.obj['code'] === ErrorCodes.PAYLOAD_INVALID))
  assert.equal(await recordCount(t, topic), 0)
})
