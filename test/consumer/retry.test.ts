// In-process retries: backoff bounds, the attempt counter, and other keys flowing meanwhile.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Consumer, backoffBounds, DEFAULT_RETRY } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, uniqueName, waitFor, defer } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

test('a handler that fails twice then succeeds runs three times, within the backoff bounds', async (t) => {
  const topicName = await createTopic(t, 'retry', { partitions: 1 })
  const { Happened, catalog } = happenedEvent(topicName)
  // One partition: the flaky key and 50 others share it, so "others flow meanwhile" is meaningful.
  const records = [
    envelopeRecord(topicName, 'flaky', 'test.happened', '1.0', { entity: 'flaky', seq: 0 }),
    ...Array.from({ length: 50 }, (_, i) =>
      envelopeRecord(topicName, `other-${i}`, 'test.happened', '1.0', { entity: `other-${i}`, seq: i }),
    ),
  ]
  await rawProducer(t).send(records)

  const attempts: { at: number; attempt: number }[] = []
  const othersDone: number[] = []
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog,
    service: uniqueName('retry-svc'),
    logger: silentLogger(),
    concurrency: 4,
  })
  consumer.on(Happened, (event, ctx) => {
    if (event.payload.entity !== 'flaky') {
      othersDone.push(performance.now())
      return
    }
    attempts.push({ at: performance.now(), attempt: ctx.attempt })
    if (attempts.length <= 2) throw new Error(`transient failure ${attempts.length}`)
  })
  defer(t, () => consumer.stop())
  await consumer.start()
  await waitFor(() => attempts.length === 3 && othersDone.length === 50, 'three attempts and every other key handled')

  assert.deepEqual(
    attempts.map((a) => a.attempt),
    [1, 2, 3],
  )
  const slack = 150 // timer and scheduling jitter
  for (const [index, bounds] of [backoffBounds(DEFAULT_RETRY, 1), backoffBounds(DEFAULT_RETRY, 2)].entries()) {
    const gap = attempts[index + 1]!.at - attempts[index]!.at
    assert.ok(
      gap >= bounds.min,
      `retry ${index + 1} came after ${gap.toFixed(0)} ms, before the ${bounds.min} ms minimum`,
    )
    assert.ok(gap <= bounds.max + slack, `retry ${index + 1} came after ${gap.toFixed(0)} ms, past ${bounds.max} ms`)
  }
  // While the flaky key waited, the rest of its partition went on.
  assert.ok(
    othersDone.some((at) => at > attempts[0]!.at && at < attempts[2]!.at),
    'other keys were handled during the backoff',
  )
})
