// Batch handlers with retry topics, against the broker: a record the batch gives up on goes to the
// next retry tier (not the DLQ), is handled from there in a batch of the tier's, and every offset of
// the source topic is committed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { Consumer, tierTopicName } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { brokers, defer, deleteAfter, track, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

test('a record a batch gives up on goes to the retry tier and is handled from there, no earlier than its delay', async (t) => {
  const name = uniqueName('batch-tiers')
  const group = uniqueName('batch-tiers-group')
  const { Happened, catalog, topic } = happenedEvent(name, 1)
  deleteAfter(t, () => [name, `${name}.dlq`, tierTopicName(topic, group, 1000)])
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog, { dlq: true }), { logger: silentLogger() })
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'batch-test', logger: silentLogger() }),
  )
  await rawProducer(t).send(
    Array.from({ length: 5 }, (_, i) =>
      envelopeRecord(name, `k${i}`, 'test.happened', '1.0', { entity: `k${i}`, seq: i }),
    ),
  )
  const handled: number[] = []
  /** When seq 3 was in a call: the first two calls (the batch, then it alone) fail. */
  const poisonCalls: { at: number; topic: string | undefined; size: number }[] = []
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog,
    service: 'batch-svc',
    group,
    producer,
    logger: silentLogger(),
    commitInterval: 100,
    lagInterval: false,
    retry: { maxAttempts: 1 },
    retryTopics: ['1s'],
  })
  defer(t, () => consumer.stop())
  consumer.onBatch(
    Happened,
    (events, ctx) => {
      const i = events.findIndex((e) => e.payload.seq === 3)
      if (i >= 0) {
        poisonCalls.push({ at: Date.now(), topic: ctx.records[i]?.topic, size: events.length })
        if (poisonCalls.length <= 2) throw new Error('the sink is busy')
      }
      handled.push(...events.map((e) => e.payload.seq))
    },
    { maxSize: 5, maxWait: 200 },
  )
  await consumer.start()
  await waitFor(() => handled.length === 5, 'every record handled, seq 3 from the retry tier', { timeoutMs: 20_000 })
  assert.deepEqual(
    [...handled].sort((a, b) => a - b),
    [0, 1, 2, 3, 4],
  )
  assert.equal(poisonCalls.length, 3, 'the batch, seq 3 alone, then seq 3 from the tier')
  assert.deepEqual(
    poisonCalls.map((c) => c.size),
    [5, 1, 1],
  )
  assert.equal(poisonCalls[2]!.topic, name, 'ctx.records names the record where it was first consumed')
  assert.ok(poisonCalls[2]!.at - poisonCalls[1]!.at >= 900, 'handled from the tier no earlier than its delay')
})
