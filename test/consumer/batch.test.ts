// Batch handlers (onBatch) against the broker: order, commits, retry and split, the DLQ, and a
// rebalance while a batch runs.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import type { Catalog } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { failureOf } from '../support/dlq.ts'
import { brokers, defer, deleteAfter, readTopic, track, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

async function setup(t: TestContext, partitions: number) {
  const name = uniqueName('batch')
  const { Happened, catalog } = happenedEvent(name, partitions)
  deleteAfter(t, () => [name, `${name}.dlq`])
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog, { dlq: true }), { logger: silentLogger() })
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'batch-test', logger: silentLogger() }),
  )
  return { name, Happened, catalog, producer }
}

function consumerOf(t: TestContext, catalog: Catalog, options: Partial<ConsumerOptions> = {}) {
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog,
    service: 'batch-svc',
    group: uniqueName('batch-group'),
    logger: silentLogger(),
    commitInterval: 100,
    lagInterval: false,
    ...options,
  })
  defer(t, () => consumer.stop())
  return consumer
}

async function committedOffsets(t: TestContext, group: string, topic: string): Promise<Map<number, bigint>> {
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] })
  const out = new Map<number, bigint>()
  for (const p of offsets?.topics.find((x) => x.name === topic)?.partitions ?? [])
    out.set(p.partitionIndex, p.committedOffset)
  return out
}

/** Publishes `count` events (keys k0..k9) and returns how many went to each partition. */
async function publish(t: TestContext, name: string, count: number, entity = (i: number) => `k${i % 10}`) {
  const records = Array.from({ length: count }, (_, i) =>
    envelopeRecord(name, entity(i), 'test.happened', '1.0', { entity: entity(i), seq: i }),
  )
  await rawProducer(t).send(records)
}

test('batches hold records of one partition in offset order, up to maxSize, and their offsets are committed', async (t) => {
  const { name, Happened, catalog } = await setup(t, 3)
  await publish(t, name, 600)
  const batches: { partition: number; offsets: bigint[]; seqs: number[] }[] = []
  const consumer = consumerOf(t, catalog)
  consumer.onBatch(
    Happened,
    async (events, ctx) => {
      assert.equal(events.length, ctx.records.length)
      batches.push({
        partition: ctx.partition,
        offsets: ctx.records.map((r) => r.offset),
        seqs: events.map((e) => e.payload.seq),
      })
      await Promise.resolve()
    },
    { maxSize: 50, maxWait: '200ms' },
  )
  await consumer.start()
  await waitFor(() => batches.reduce((n, b) => n + b.offsets.length, 0) >= 600, 'all 600 events handled')

  const next = new Map<number, bigint>()
  for (const batch of batches) {
    assert.ok(batch.offsets.length <= 50, `a batch of ${batch.offsets.length} is over maxSize`)
    for (const [i, offset] of batch.offsets.entries()) {
      assert.equal(
        offset,
        next.get(batch.partition) ?? 0n,
        `partition ${batch.partition}: offsets in order, none missing`,
      )
      next.set(batch.partition, offset + 1n)
      if (i > 0) assert.ok(batch.seqs[i]! > batch.seqs[i - 1]!, 'events in the order they were produced')
    }
  }
  assert.equal(
    [...next.values()].reduce((a, b) => a + b, 0n),
    600n,
    'each event exactly once',
  )
  assert.ok(
    batches.some((b) => b.offsets.length > 1),
    'records were batched',
  )
  await waitFor(async () => {
    const committed = await committedOffsets(t, consumer.group, name)
    return [...next].every(([p, end]) => committed.get(p) === end)
  }, 'every partition committed to its end')
})

test('by key: a batch holds the records of one key of one partition', async (t) => {
  const { name, Happened, catalog } = await setup(t, 1)
  await publish(t, name, 200, (i) => `k${i % 4}`)
  const batches: { key: string | undefined; entities: string[]; seqs: number[] }[] = []
  const consumer = consumerOf(t, catalog)
  consumer.onBatch(
    Happened,
    (events, ctx) =>
      void batches.push({
        key: ctx.key,
        entities: events.map((e) => e.payload.entity),
        seqs: events.map((e) => e.payload.seq),
      }),
    { by: 'key', maxSize: 20, maxWait: 100 },
  )
  await consumer.start()
  await waitFor(() => batches.reduce((n, b) => n + b.seqs.length, 0) >= 200, 'all 200 events handled')
  const last = new Map<string, number>()
  for (const batch of batches) {
    assert.ok(
      batch.entities.every((e) => e === batch.key),
      'one key per batch, named by ctx.key',
    )
    for (const seq of batch.seqs) {
      assert.ok(seq > (last.get(batch.key!) ?? -1), 'a key in order')
      last.set(batch.key!, seq)
    }
  }
})

test('a failing batch is retried whole, then split: only the poison record reaches the DLQ, the rest is handled and committed', async (t) => {
  const { name, Happened, catalog, producer } = await setup(t, 1)
  await publish(t, name, 30)
  const calls: { size: number; attempt: number; seqs: number[] }[] = []
  const handled = new Set<number>()
  const consumer = consumerOf(t, catalog, { producer, retry: { maxAttempts: 2, initialBackoff: 20 } })
  consumer.onBatch(
    Happened,
    (events, ctx) => {
      calls.push({ size: events.length, attempt: ctx.attempt, seqs: events.map((e) => e.payload.seq) })
      if (events.some((e) => e.payload.seq === 7)) throw new Error('poison in the batch')
      for (const e of events) handled.add(e.payload.seq)
    },
    { maxSize: 10, maxWait: 500 },
  )
  await consumer.start()
  const [dead] = await readTopic(t, `${name}.dlq`, 1)
  const failure = failureOf(dead!)
  assert.equal(failure.original_offset, '7')
  assert.equal(failure.error_message, 'poison in the batch')
  assert.equal(failure.error_code, 'KAFKIT_HANDLER_FAILED')
  assert.equal(failure.attempt_count, 4, 'two tries of the batch, then two of the record alone')
  await waitFor(() => handled.size === 29, 'every other record handled')
  assert.ok(!handled.has(7))
  const poisonCalls = calls.filter((c) => c.seqs.includes(7))
  assert.equal(poisonCalls.filter((c) => c.size > 1).length, 2, 'the whole batch was tried twice')
  assert.deepEqual(
    poisonCalls.filter((c) => c.size === 1).map((c) => c.attempt),
    [1, 2],
    'then the poison record alone, twice',
  )
  await waitFor(async () => (await committedOffsets(t, consumer.group, name)).get(0) === 30n, 'all 30 committed')
})

test('onFailure "whole": every record of a failed batch is written to the DLQ', async (t) => {
  const { name, Happened, catalog, producer } = await setup(t, 1)
  await publish(t, name, 5)
  const consumer = consumerOf(t, catalog, { producer, retry: { maxAttempts: 1 } })
  consumer.onBatch(
    Happened,
    () => {
      throw new Error('the sink refuses it')
    },
    { maxSize: 5, maxWait: 2000, onFailure: 'whole' },
  )
  await consumer.start()
  const dead = await readTopic(t, `${name}.dlq`, 5)
  assert.deepEqual(dead.map((d) => failureOf(d).original_offset).sort(), ['0', '1', '2', '3', '4'])
  await waitFor(async () => (await committedOffsets(t, consumer.group, name)).get(0) === 5n, 'all 5 committed')
})

test('a record that fails validation goes to the DLQ alone; its neighbours are batched', async (t) => {
  const { name, Happened, catalog, producer } = await setup(t, 1)
  await rawProducer(t).send([
    envelopeRecord(name, 'a', 'test.happened', '1.0', { entity: 'a', seq: 0 }),
    envelopeRecord(name, 'a', 'test.happened', '1.0', { entity: 'a', seq: 'not a number' }),
    envelopeRecord(name, 'a', 'test.happened', '1.0', { entity: 'a', seq: 2 }),
  ])
  const seqs: number[] = []
  const consumer = consumerOf(t, catalog, { producer })
  consumer.onBatch(Happened, (events) => void seqs.push(...events.map((e) => e.payload.seq)), { maxWait: 300 })
  await consumer.start()
  const [dead] = await readTopic(t, `${name}.dlq`, 1)
  assert.equal(failureOf(dead!).original_offset, '1')
  await waitFor(() => seqs.length === 2, 'the two valid events handled')
  assert.deepEqual(seqs, [0, 2])
})

test('a batch handler must be the only handler of its events', async (t) => {
  const { Happened, catalog } = await setup(t, 1)
  const consumer = consumerOf(t, catalog)
  consumer.onBatch(Happened, () => undefined)
  consumer.on('test.*', () => undefined)
  await assert.rejects(consumer.start(), /batch handler must be the only handler/)
})

test('a rebalance while a batch runs: nothing is lost, and every offset is committed in the end', async (t) => {
  const { name, Happened, catalog } = await setup(t, 4)
  await publish(t, name, 400)
  const group = uniqueName('batch-rebalance')
  const handled = new Set<number>()
  let release: (() => void) | undefined
  const held = new Promise<void>((resolve) => (release = resolve))
  let holding = false
  const member = () => {
    const consumer = consumerOf(t, catalog, { group, sessionTimeout: 10_000, heartbeatInterval: 1000 })
    consumer.onBatch(
      Happened,
      async (events) => {
        if (!holding) {
          // The first batch waits until the second member has joined and taken partitions.
          holding = true
          await held
        }
        for (const e of events) handled.add(e.payload.seq)
      },
      { maxSize: 25, maxWait: 100 },
    )
    return consumer
  }
  const a = member()
  await a.start()
  await waitFor(() => holding, 'a batch is running')
  const b = member()
  await b.start()
  await waitFor(() => b.status().runners[0]!.assigned.length > 0, 'the second member has partitions')
  release!()
  await waitFor(() => handled.size === 400, 'all 400 events handled by one member or the other', { timeoutMs: 60_000 })
  await waitFor(async () => {
    const committed = await committedOffsets(t, group, name)
    return [...committed.values()].reduce((x, y) => x + y, 0n) === 400n
  }, 'every partition committed to its end')
})
