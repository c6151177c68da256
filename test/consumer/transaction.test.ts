// Consume-transform-produce in one Kafka transaction: outputs and input offsets commit together.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { z } from 'zod'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions } from '../../src/consumer/index.ts'
import { readDeadLetters } from '../../src/dlq/index.ts'
import { ErrorCodes, KafkitError, NonRetryableError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { readCommitted } from '../support/committed.ts'
import { brokers, createTopic, defer, deleteAfter, track, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

async function setup(t: TestContext, partitions = 3) {
  const input = await createTopic(t, 'tx-in', { partitions })
  const output = await createTopic(t, 'tx-out', { partitions })
  const { Happened } = happenedEvent(input, partitions)
  const Echoed = defineEvent({
    type: 'test.echoed',
    version: '1.0',
    topic: defineTopic({ name: output, key: 'entity', partitions }),
    schema: z.object({ entity: z.string(), seq: z.number() }),
  })
  const catalog = createCatalog([Happened, Echoed])
  return { input, output, Happened, Echoed, catalog }
}

function consumerOf(t: TestContext, options: Omit<ConsumerOptions, 'client' | 'service'>) {
  const consumer = new Consumer({
    client: { brokers: brokers() },
    service: 'tx-svc',
    group: uniqueName('tx-group'),
    logger: silentLogger(),
    commitInterval: 100,
    lagInterval: false,
    transactional: { id: uniqueName('tx') },
    ...options,
  })
  defer(t, () => consumer.stop())
  return consumer
}

async function produce(t: TestContext, topic: string, count: number, keys = 20): Promise<string[]> {
  const records = Array.from({ length: count }, (_, i) =>
    envelopeRecord(topic, `k${i % keys}`, 'test.happened', '1.0', { entity: `k${i % keys}`, seq: i }),
  )
  await rawProducer(t).send(records)
  return records.map((r) => (JSON.parse(r.value.toString()) as { id: string }).id)
}

async function committedOffsets(t: TestContext, group: string, topic: string): Promise<bigint> {
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] })
  await admin.close()
  return (offsets?.topics.find((x) => x.name === topic)?.partitions ?? []).reduce(
    (sum, p) => sum + (p.committedOffset > 0n ? p.committedOffset : 0n),
    0n,
  )
}

const causations = (records: { value: Buffer }[]) =>
  records.map((r) => (JSON.parse(r.value.toString()) as { causation_id: string }).causation_id)

test('every input yields its output once, committed with the input offsets', async (t) => {
  const { input, output, Happened, Echoed, catalog } = await setup(t)
  const ids = await produce(t, input, 300)
  const consumer = consumerOf(t, { catalog, concurrency: 8 })
  consumer.on(Happened, async (event, ctx) => {
    const staged = await ctx.publish(Echoed, event.payload)
    assert.equal((staged as { staged: boolean }).staged, true)
  })
  await consumer.start()
  await waitFor(async () => (await committedOffsets(t, consumer.group, input)) === 300n, 'every input offset committed')
  const out = await readCommitted(t, output)
  assert.equal(out.length, 300)
  assert.deepEqual(new Set(causations(out)), new Set(ids))
  // Per key, outputs keep the order of their inputs.
  const seqs = new Map<string, number[]>()
  for (const r of out) {
    const { payload } = JSON.parse(r.value.toString()) as { payload: { entity: string; seq: number } }
    seqs.set(payload.entity, [...(seqs.get(payload.entity) ?? []), payload.seq])
  }
  for (const [key, list] of seqs)
    assert.deepEqual(
      list,
      [...list].sort((a, b) => a - b),
      `order of ${key}`,
    )
})

test('a transaction larger than a broker request (1 MiB batches) is written in several requests', async (t) => {
  const { input, output, Happened } = await setup(t, 1)
  const Padded = defineEvent({
    type: 'test.padded',
    version: '1.0',
    topic: defineTopic({ name: output, key: 'entity', partitions: 1 }),
    schema: z.object({ entity: z.string(), seq: z.number(), note: z.string() }),
  })
  await produce(t, input, 3000, 10)
  // One commit for everything: about 4 MB of outputs in one transaction, to one partition.
  const consumer = consumerOf(t, { catalog: createCatalog([Happened, Padded]), commitInterval: '20s' })
  let handled = 0
  consumer.on(Happened, async (event, ctx) => {
    await ctx.publish(Padded, { ...event.payload, note: 'x'.repeat(1000) })
    handled++
  })
  await consumer.start()
  await waitFor(() => handled === 3000, 'every input handled')
  await consumer.stop() // the final commit: one transaction
  assert.equal(await committedOffsets(t, consumer.group, input), 3000n)
  assert.equal((await readCommitted(t, output)).length, 3000)
})

test('a failed attempt publishes nothing; the successful retry publishes once', async (t) => {
  const { input, output, Happened, Echoed, catalog } = await setup(t, 1)
  await produce(t, input, 20, 5)
  const attempts = new Map<number, number>()
  const consumer = consumerOf(t, { catalog, retry: { maxAttempts: 3, initialBackoff: 10 } })
  consumer.on(Happened, async (event, ctx) => {
    await ctx.publish(Echoed, event.payload)
    const n = (attempts.get(event.payload.seq) ?? 0) + 1
    attempts.set(event.payload.seq, n)
    if (event.payload.seq % 4 === 0 && n < 3) throw new Error('fails twice after publishing')
  })
  await consumer.start()
  await waitFor(async () => (await committedOffsets(t, consumer.group, input)) === 20n, 'every input offset committed')
  const out = await readCommitted(t, output)
  const seqs = out.map((r) => (JSON.parse(r.value.toString()) as { payload: { seq: number } }).payload.seq)
  assert.deepEqual(
    [...seqs].sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  )
  // What the failed attempts published was never committed, not even as aborted records.
  const uncommitted = await readCommitted(t, output, { isolation: 'read_uncommitted' })
  assert.equal(uncommitted.length, 20)
})

test('a record dead-lettered: its DLQ record commits with its offset, its failed outputs never appear', async (t) => {
  const { input, output, Happened, Echoed, catalog } = await setup(t, 1)
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog, { dlq: true }), { logger: silentLogger() })
  deleteAfter(t, () => [`${input}.dlq`, `${output}.dlq`])
  await produce(t, input, 10, 10)
  const consumer = consumerOf(t, { catalog, retry: { maxAttempts: 2, initialBackoff: 10 } })
  consumer.on(Happened, async (event, ctx) => {
    await ctx.publish(Echoed, event.payload)
    if (event.payload.seq === 3) throw new NonRetryableError('poison')
  })
  await consumer.start()
  await waitFor(async () => (await committedOffsets(t, consumer.group, input)) === 10n, 'every input offset committed')
  const out = await readCommitted(t, output)
  assert.deepEqual(
    out.map((r) => (JSON.parse(r.value.toString()) as { payload: { seq: number } }).payload.seq).sort((a, b) => a - b),
    [0, 1, 2, 4, 5, 6, 7, 8, 9],
  )
  const dlq = await readCommitted(t, `${input}.dlq`)
  assert.equal(dlq.length, 1)
  // A transaction's commit marker is the partition's last offset: the DLQ reader must end at the
  // marker, not wait for a record at end - 1 until its timeout.
  let read: Awaited<ReturnType<typeof readDeadLetters>> | undefined
  const reading = readDeadLetters({ brokers: brokers() }, `${input}.dlq`, {}, { timeout: 600_000 }).then(
    (entries) => (read = entries),
  )
  await waitFor(() => read !== undefined, 'the DLQ read to its end', { timeoutMs: 30_000 })
  await reading
  assert.equal(read?.[0]?.record?.error_code, 'KAFKIT_NON_RETRYABLE')
})

test('a consumer restarted with the same transactional id goes on committing', async (t) => {
  const { input, output, Happened, Echoed, catalog } = await setup(t, 1)
  const id = uniqueName('tx-restart')
  const group = uniqueName('tx-group')
  await produce(t, input, 10, 5)
  const run = async (total: bigint) => {
    const consumer = consumerOf(t, { catalog, group, transactional: { id } })
    consumer.on(Happened, (event, ctx) => ctx.publish(Echoed, event.payload).then(() => undefined))
    await consumer.start()
    await waitFor(async () => (await committedOffsets(t, group, input)) === total, `${total} input offsets committed`)
    await consumer.stop()
  }
  await run(10n)
  // The second producer with this id must take over from the first (InitProducerId as a new producer).
  await produce(t, input, 10, 5)
  await run(20n)
  assert.equal((await readCommitted(t, output)).length, 20)
})

test('a publish after the attempt ended is refused', async (t) => {
  const { input, Happened, Echoed, catalog } = await setup(t, 1)
  await produce(t, input, 1, 1)
  let late: Promise<unknown> | undefined
  const consumer = consumerOf(t, { catalog })
  consumer.on(Happened, (event, ctx) => {
    // Not awaited, and published after the handler returned.
    setImmediate(() => {
      late = ctx.publish(Echoed, event.payload).then(
        () => 'written',
        (error: unknown) => error,
      )
    })
  })
  await consumer.start()
  await waitFor(() => late !== undefined, 'the late publish')
  const outcome = await late!
  assert.ok(KafkitError.is(outcome) && outcome.code === ErrorCodes.CONSUMER_STATE, String(outcome))
})

test('the options: a transactional consumer reads committed records only; bad settings are named', () => {
  const base = { client: { brokers: ['x:9092'] }, catalog: createCatalog([]), service: 's' }
  assert.throws(
    () => new Consumer({ ...base, transactional: true, isolation: 'read_uncommitted' }),
    /isolation: must be read_committed/,
  )
  assert.throws(
    () => new Consumer({ ...base, transactional: { timeout: '1s' }, commitInterval: '2s' }),
    /transactional.timeout: must be longer than commitInterval/,
  )
  assert.throws(() => new Consumer({ ...base, isolation: 'dirty' as never }), /isolation: must be one of/)
})

const seqsOf = (records: { value: Buffer }[]) =>
  records.map((r) => (JSON.parse(r.value.toString()) as { payload: { seq: number } }).payload.seq).sort((a, b) => a - b)

const upTo = (n: number, skip: readonly number[] = []) =>
  Array.from({ length: n }, (_, i) => i).filter((i) => !skip.includes(i))

test('batch handlers: a failed batch publishes nothing; its retry publishes each output once, with the offsets', async (t) => {
  const { input, output, Happened, Echoed, catalog } = await setup(t, 1)
  await produce(t, input, 40, 5)
  let failures = 0
  const consumer = consumerOf(t, { catalog, retry: { maxAttempts: 3, initialBackoff: 10 } })
  consumer.onBatch(
    Happened,
    async (events, ctx) => {
      for (const event of events) {
        const staged = await ctx.publish(Echoed, event.payload)
        assert.equal(staged.status, 'staged')
      }
      if (events.some((e) => e.payload.seq === 15) && ctx.attempt < 3) {
        failures++
        throw new Error('fails twice after publishing')
      }
    },
    { maxSize: 10, maxWait: 50 },
  )
  await consumer.start()
  await waitFor(async () => (await committedOffsets(t, consumer.group, input)) === 40n, 'every input offset committed')
  assert.equal(failures, 2)
  assert.deepEqual(seqsOf(await readCommitted(t, output)), upTo(40))
  // What the failed tries published was never written, not even as aborted records.
  assert.deepEqual(seqsOf(await readCommitted(t, output, { isolation: 'read_uncommitted' })), upTo(40))
})

test('batch handlers: a split stages the outputs of the records that finished, and the poison record’s DLQ record', async (t) => {
  const { input, output, Happened, Echoed, catalog } = await setup(t, 1)
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog, { dlq: true }), { logger: silentLogger() })
  deleteAfter(t, () => [`${input}.dlq`, `${output}.dlq`])
  await produce(t, input, 20, 5)
  const calls: number[] = []
  const consumer = consumerOf(t, { catalog, retry: { maxAttempts: 2, initialBackoff: 10 } })
  consumer.onBatch(
    Happened,
    async (events, ctx) => {
      calls.push(events.length)
      for (const event of events) await ctx.publish(Echoed, event.payload)
      if (events.some((e) => e.payload.seq === 7)) throw new Error('poison')
    },
    { maxSize: 10, maxWait: 50 },
  )
  await consumer.start()
  await waitFor(async () => (await committedOffsets(t, consumer.group, input)) === 20n, 'every input offset committed')
  // The batch with 7 was tried whole (twice), then split: each record alone.
  assert.ok(calls.filter((n) => n === 1).length >= 10, `calls: ${calls.join(',')}`)
  assert.deepEqual(seqsOf(await readCommitted(t, output)), upTo(20, [7]))
  assert.deepEqual(seqsOf(await readCommitted(t, output, { isolation: 'read_uncommitted' })), upTo(20, [7]))
  const dlq = await readCommitted(t, `${input}.dlq`)
  assert.equal(dlq.length, 1)
})

test('batch handlers: outputs of a transaction that aborts are never visible to read_committed readers', async (t) => {
  const { input, output, Happened, Echoed } = await setup(t, 1)
  // A second output topic whose broker limit refuses the records staged for it: every transaction
  // carrying one fails and aborts.
  const tiny = await createTopic(t, 'tx-tiny', { partitions: 1, configs: { 'max.message.bytes': '2048' } })
  const Oversized = defineEvent({
    type: 'test.oversized',
    version: '1.0',
    topic: defineTopic({ name: tiny, key: 'entity', partitions: 1 }),
    schema: z.object({ entity: z.string(), blob: z.string() }),
  })
  await produce(t, input, 5, 5)
  let handled = 0
  const consumer = consumerOf(t, {
    catalog: createCatalog([Happened, Echoed, Oversized]),
    commitInterval: 50,
    transactional: { id: uniqueName('tx'), timeout: '10s' },
  })
  consumer.onBatch(
    Happened,
    async (events, ctx) => {
      for (const event of events) await ctx.publish(Echoed, event.payload)
      await ctx.publish(Oversized, { entity: 'k0', blob: 'x'.repeat(4096) })
      handled += events.length
    },
    { maxSize: 10, maxWait: 50 },
  )
  await consumer.start()
  await waitFor(() => handled === 5, 'the batch handled')
  // The transaction was tried (its outputs reached the log, aborted) …
  await waitFor(
    async () => (await readCommitted(t, output, { isolation: 'read_uncommitted' })).length >= 5,
    'the aborted outputs in the log',
  )
  await consumer.stop()
  // … and never committed: no output for read_committed readers, no input offset.
  assert.deepEqual(await readCommitted(t, output), [])
  assert.equal(await committedOffsets(t, consumer.group, input), 0n)
})
