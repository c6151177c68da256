// A broker stopped for a few seconds while publishing (a private broker: the shared one is never
// stopped). Every acknowledged event is on the topic exactly once afterwards (idempotence, retries
// inside the wire client), publishes past their deadline fail with KAFKIT_PUBLISH_TIMEOUT, and a
// publish reported as "not sent" is indeed not on the topic.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { newEventId } from '../../src/envelope/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import type { PublishResult } from '../../src/producer/index.ts'
import { startIsolatedBroker } from '../support/isolated-broker.ts'
import { uniqueName, waitFor } from '../support/kafka.ts'
import { readRecords, recordCount, testProducer, userEvents } from './support.ts'

const DEADLINE_MS = 2000
/** The load: one publish every few milliseconds, from a timer (not a wait for anything). */
const PUBLISH_EVERY_MS = 4

test('a broker outage: acknowledged events exactly once, late publishes time out', async (t) => {
  const broker = await startIsolatedBroker(t)
  const brokers = [broker.bootstrap]
  const { users, UserRegistered } = userEvents(uniqueName('outage'), 3)
  await ensureTopics({ brokers }, topicSpecsFor([users], { dlq: false }), { logger: silentLogger() })
  const producer = testProducer(t, { brokers, deliveryTimeout: DEADLINE_MS })

  const acked = new Map<string, PublishResult>()
  const failed = new Map<string, KafkitError>()
  let restartedAt = Infinity
  let ackedAfterRestart = 0
  let published = 0
  const publishOne = () => {
    const id = newEventId()
    const startedAt = Date.now()
    published++
    producer.publish(UserRegistered, { user_id: `user-${published % 50}`, email: 'a@b.co' }, { id }).then(
      (result) => {
        acked.set(id, result)
        if (startedAt > restartedAt) ackedAfterRestart++
      },
      (error: KafkitError) => failed.set(id, error),
    )
  }
  const load = setInterval(publishOne, PUBLISH_EVERY_MS)
  t.after(() => clearInterval(load))

  await waitFor(() => acked.size >= 100, 'acknowledgements before the outage')
  const stopped = Date.now()
  await broker.stop()
  // Down for longer than the deadline: publishes issued now must time out.
  await waitFor(() => failed.size >= 20, 'publishes timing out while the broker is down', { timeoutMs: 60_000 })
  await broker.start()
  restartedAt = Date.now()
  t.diagnostic(`broker down for ~${restartedAt - stopped} ms`)
  await waitFor(() => ackedAfterRestart >= 100, 'acknowledgements after the restart', { timeoutMs: 60_000 })
  clearInterval(load)
  await producer.close()

  assert.equal(acked.size + failed.size, published, 'every publish settled')
  const timeouts = [...failed.values()].filter((e) => e.code === ErrorCodes.PUBLISH_TIMEOUT)
  t.diagnostic(`${published} publishes: ${acked.size} acknowledged, ${timeouts.length} timed out`)
  assert.deepEqual(
    [...failed.values()].filter((e) => e.code !== ErrorCodes.PUBLISH_TIMEOUT).map((e) => `${e.code}: ${e.message}`),
    [],
    'failures are deadline timeouts',
  )
  for (const error of timeouts) {
    assert.ok(KafkitError.is(error) && error.retryable)
    assert.match(error.message, /within 2000 ms/)
    assert.match(error.message, error.details['sent'] ? /outcome is unknown/ : /it was not written/)
  }

  const count = await recordCount(t, users.name, brokers)
  const records = await readRecords(t, users.name, count, { brokers })
  assert.equal(records.length, count)
  const onTopic = new Map<string, number>()
  for (const record of records) {
    const id = record.headers.get('event-id')!
    onTopic.set(id, (onTopic.get(id) ?? 0) + 1)
  }
  assert.deepEqual(
    [...onTopic].filter(([, n]) => n > 1),
    [],
    'no event is on the topic twice',
  )
  const missing = [...acked.keys()].filter((id) => !onTopic.has(id))
  assert.deepEqual(missing, [], 'every acknowledged event is on the topic')
  for (const [id, result] of acked) {
    const record = records.find((r) => r.headers.get('event-id') === id)!
    assert.equal(record.offset, result.offset, `offset of ${id}`)
  }
  const notSentButWritten = [...failed].filter(([id, e]) => e.details['sent'] === false && onTopic.has(id))
  assert.deepEqual(notSentButWritten, [], 'publishes reported as not sent are not on the topic')
  const unknownWritten = [...failed].filter(([id, e]) => e.details['sent'] === true && onTopic.has(id)).length
  t.diagnostic(`${unknownWritten} of the timed-out publishes with an unknown outcome were written`)
  assert.equal(count, acked.size + unknownWritten, 'nothing else is on the topic')
})
