// Invalid input is rejected with field-level issues before anything is sent, and every failure is
// logged once with ids and code (never credentials).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ErrorCodes, EnvelopeError, KafkitError, PayloadError } from '../../src/errors.ts'
import { Producer } from '../../src/producer/index.ts'
import { createTopic, uniqueName } from '../support/kafka.ts'
import {
  readRecords,
  recordCount,
  recordingLogger,
  testProducer,
  userEvents,
  type UserRegisteredInput,
} from './support.ts'

function assertIssues(error: unknown, code: string, paths: string[]): KafkitError & { issues: { path: string }[] } {
  assert.ok(KafkitError.is(error), `a kafkit error, got ${String(error)}`)
  assert.equal(error.code, code)
  assert.equal(error.retryable, false)
  const issues = (error as unknown as { issues: { path: string }[] }).issues
  assert.deepEqual(issues.map((i) => i.path).sort(), [...paths].sort())
  return error as KafkitError & { issues: { path: string }[] }
}

test('invalid payloads and envelopes are rejected field by field and nothing reaches the topic', async (t) => {
  const topic = await createTopic(t, 'validation', { partitions: 2 })
  const { UserRegistered } = userEvents(topic, 2)
  const logger = recordingLogger()
  const producer = testProducer(t, { logger })
  const bad = { user_id: '', email: 'not-an-email', plan: 'gold' } as unknown as UserRegisteredInput

  await assert.rejects(producer.publish(UserRegistered, bad), (err) => {
    const error = assertIssues(err, ErrorCodes.PAYLOAD_INVALID, ['email', 'plan', 'user_id'])
    assert.ok(error instanceof PayloadError)
    assert.match(error.message, /user\.registered v1\.0: .*email: /)
    return true
  })
  await assert.rejects(
    producer.publish(
      UserRegistered,
      { user_id: 'u1', email: 'a@b.co' },
      {
        id: 'not-a-uuid',
        timestamp: '2026-01-01 10:00',
        correlationId: '',
        actor: { id: 'x', type: 'robot' as 'user' },
        metadata: { n: 1 as unknown as string },
      },
    ),
    (err) => {
      assert.ok(err instanceof EnvelopeError)
      assertIssues(err, ErrorCodes.ENVELOPE_INVALID, ['actor', 'correlation_id', 'id', 'metadata', 'timestamp'])
      return true
    },
  )
  await assert.rejects(
    producer.publishBatch([
      { event: UserRegistered, payload: { user_id: 'ok', email: 'ok@b.co' } },
      { event: UserRegistered, payload: bad },
    ]),
    (err) => {
      assertIssues(err, ErrorCodes.PAYLOAD_INVALID, ['email', 'plan', 'user_id'])
      assert.equal((err as KafkitError).details['index'], 1, 'the batch error names the invalid item')
      return true
    },
  )
  assert.throws(() => producer.publishAsync(UserRegistered, bad), PayloadError)

  // Nothing was written: the next valid event is the first record of the topic.
  const ok = await producer.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co' })
  assert.equal(ok.offset, 0n)
  assert.equal(await recordCount(t, topic), 1)
  const [record] = await readRecords(t, topic, 1)
  assert.equal(record?.headers.get('event-id'), ok.eventId)

  const failures = logger.lines.filter((l) => l.msg === 'publish failed')
  assert.equal(failures.length, 4, 'each failed publish is logged once')
  for (const line of failures) {
    assert.equal(line.level, 'error')
    assert.equal(line.obj['topic'], topic)
    assert.equal(line.obj['eventType'], 'user.registered')
    assert.equal(typeof line.obj['eventId'], 'string')
    assert.ok(String(line.obj['code']).startsWith('KAFKIT_'))
  }
})

test('a record over maxRecordBytes, or for a partition that does not exist, fails before sending', async (t) => {
  const topic = await createTopic(t, 'validation-size')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t, { maxRecordBytes: 4096 })
  await assert.rejects(
    producer.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co', note: 'x'.repeat(5000) }),
    (err: KafkitError) =>
      err.code === ErrorCodes.RECORD_TOO_LARGE && err.retryable === false && /maxRecordBytes/.test(err.message),
  )
  await assert.rejects(
    producer.sendRecords([{ topic, value: Buffer.alloc(5000) }]),
    (err: KafkitError) => err.code === ErrorCodes.RECORD_TOO_LARGE,
  )
  await assert.rejects(
    producer.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co' }, { partition: 3 }),
    (err: KafkitError) =>
      err.code === ErrorCodes.PUBLISH_FAILED && !err.retryable && /partition 3 does not exist/.test(err.message),
  )
  assert.equal(await recordCount(t, topic), 0)
})

test('publishing to a topic that does not exist fails at once, not at the deadline', async (t) => {
  const { UserRegistered } = userEvents(uniqueName('validation-missing'), 1)
  const producer = testProducer(t)
  await assert.rejects(
    producer.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co' }),
    (err: KafkitError) =>
      err.code === ErrorCodes.PUBLISH_FAILED && !err.retryable && /does the topic exist\?/.test(err.message),
  )
})

test('failure logs carry no credentials', async (t) => {
  const topic = await createTopic(t, 'validation-secrets')
  const { UserRegistered } = userEvents(topic, 1)
  const logger = recordingLogger()
  const client = {
    brokers: ['127.0.0.1:1'],
    sasl: { mechanism: 'PLAIN' as const, username: 'svc', password: 'hunter2-secret' },
  }
  // Never connects: validation fails first. Neither password nor client settings are logged.
  const producer = new Producer({ client, service: 'secret-service', logger })
  t.after(() => producer.close())
  await assert.rejects(producer.publish(UserRegistered, { user_id: '', email: 'x' }), PayloadError)
  assert.throws(() => producer.publishAsync(UserRegistered, { user_id: '', email: 'x' }), PayloadError)
  assert.equal(logger.lines.filter((l) => l.msg === 'publish failed').length, 2)
  assert.ok(!JSON.stringify(logger.lines).includes('hunter2-secret'), 'the SASL password is not logged')
})

test('a closed producer rejects new work with KAFKIT_PRODUCER_CLOSED', async (t) => {
  const topic = await createTopic(t, 'validation-closed')
  const { UserRegistered } = userEvents(topic, 1)
  const producer = testProducer(t)
  await producer.close()
  const payload = { user_id: 'u1', email: 'a@b.co' }
  const closed = (err: KafkitError) => err.code === ErrorCodes.PRODUCER_CLOSED && err.retryable === false
  await assert.rejects(producer.publish(UserRegistered, payload), closed)
  await assert.rejects(producer.publishBatch([{ event: UserRegistered, payload }]), closed)
  await assert.rejects(producer.sendRecords([{ topic, value: Buffer.from('x') }]), closed)
  assert.throws(() => producer.publishAsync(UserRegistered, payload), closed)
  await producer.close() // a second close is harmless
})

test('invalid producer options are a ConfigError naming each setting', () => {
  assert.throws(
    () =>
      new Producer({
        client: { brokers: [] },
        service: '',
        acks: 'leader',
        linger: -1,
        compression: 'brotli' as 'gzip',
      }),
    (err: KafkitError & { issues: { path: string }[] }) => {
      assert.equal(err.code, ErrorCodes.CONFIG_INVALID)
      assert.deepEqual(err.issues.map((i) => i.path).sort(), [
        'acks',
        'client.brokers',
        'compression',
        'linger',
        'service',
      ])
      return true
    },
  )
})
