// 6. The transactional outbox on PostgreSQL (the machine's server, DATABASE_URL or
// postgres://postgres@127.0.0.1:5432/test, in a schema of its own, dropped at the end).
// Relay throughput: a backlog of rows written beforehand, drained by one relay process; the
// baseline is kafkit's producer sending the same records in batches of the relay's size (the raw
// path the relay uses), so the ratio is the relay's own cost. End-to-end latency, open loop: one
// transaction per event at a fixed rate, from the moment the write was due to a consumer in
// another process receiving it; the baseline is a direct publish at the same rate and consumer.
import pg from 'pg'
import { createOutbox, pgDatabase, type PgQueryable } from 'kafkit/outbox'
import { startChild } from '../lib/child.ts'
import type { RunContext } from '../lib/context.ts'
import { envelopeRecord, padding, payload } from '../lib/events.ts'
import { brokers, uniqueName } from '../lib/kafka.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { latencyHistogram, medianSummary, spread, summarize, type LatencySummary, type Spread } from '../lib/stats.ts'
import type { TaskContext } from '../lib/worker.ts'

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const BATCH = 500

export interface OutboxResults {
  rows: number
  batchSize: number
  relay: Spread
  producer: Spread
  rate: number
  /** From the write being due to a consumer receiving it, through the outbox and relay. */
  outboxEndToEnd: LatencySummary
  /** The same, publishing directly. */
  directEndToEnd: LatencySummary
  /** The longest delay between a write being due and the writer starting it (the harness's timer). */
  writeLagMs: number
  /**
   * From the write being due to its COMMIT returning (warm-up excluded): the database's part of the
   * end-to-end figure. Writes wait for a pooled connection, so a writer that cannot commit at the
   * offered rate queues here while its start lag stays small.
   */
  writeCommit: LatencySummary
}

interface DrainParams {
  schema: string
  topic: string
  rows: number
}

interface WriteParams {
  schema: string
  topic: string
  rate: number
  seconds: number
  warmupSeconds: number
}

export async function outboxScenario(ctx: RunContext): Promise<OutboxResults> {
  const { rows, rate, seconds, warmupSeconds } = ctx.profile.outbox
  const relayRuns: number[] = []
  const producerRuns: number[] = []
  for (let r = 0; r < ctx.profile.repeats; r++) {
    const schema = uniqueName('bench_outbox').replaceAll('-', '_')
    const topic = await ctx.topic('outbox-drain', COMMON.partitions)
    try {
      await fill(schema, topic, rows)
      const drained = await ctx.child<{ seconds: number }>('outbox.drain', {
        schema,
        topic,
        rows,
      } satisfies DrainParams)
      relayRuns.push(rows / drained.seconds)
    } finally {
      await dropSchema(schema)
    }
    const direct = await ctx.topic('outbox-direct', COMMON.partitions)
    const sent = await ctx.child<{ seconds: number }>('outbox.direct', { topic: direct, rows })
    producerRuns.push(rows / sent.seconds)
    ctx.log(
      `outbox run ${r + 1}: relay ${Math.round(relayRuns.at(-1)!)} rows/s, producer sendRecords ${Math.round(producerRuns.at(-1)!)} records/s`,
    )
  }

  const outboxRuns: LatencySummary[] = []
  const directRuns: LatencySummary[] = []
  const commitRuns: LatencySummary[] = []
  let writeLagMs = 0
  const latencyRepeats = ctx.profile.latency.repeats
  for (let r = 0; r < latencyRepeats; r++) {
    const schema = uniqueName('bench_outbox').replaceAll('-', '_')
    const topic = await ctx.topic('outbox-latency', COMMON.partitions)
    try {
      await migrated(schema, topic)
      const relay = startChild<unknown>('outbox.relay', { schema, topic }, { timeoutMs: (seconds + 120) * 1000 })
      relay.result.catch(() => undefined)
      await new Promise<void>((resolve) => relay.onEvent(() => resolve()))
      const consumer = await readyConsumer(topic, rate * seconds, rate * warmupSeconds, seconds)
      const written = await ctx.child<WriteResult>('outbox.write', {
        schema,
        topic,
        rate,
        seconds,
        warmupSeconds,
      } satisfies WriteParams)
      outboxRuns.push(await consumer.result)
      commitRuns.push(written.commit)
      writeLagMs = Math.max(writeLagMs, written.lagMs)
      relay.send('stop')
      await relay.result
    } finally {
      await dropSchema(schema)
    }
    const directTopic = await ctx.topic('outbox-latency-direct', COMMON.partitions)
    const consumer = await readyConsumer(directTopic, rate * seconds, rate * warmupSeconds, seconds)
    await ctx.child('latency.produce', { topic: directTopic, rate, seconds, warmupSeconds })
    directRuns.push(await consumer.result)
    ctx.log(
      `outbox latency ${rate}/s run ${r + 1}: outbox e2e p50 ${outboxRuns.at(-1)!.p50.toFixed(2)} p99 ${outboxRuns.at(-1)!.p99.toFixed(2)} ms; direct p50 ${directRuns.at(-1)!.p50.toFixed(2)} p99 ${directRuns.at(-1)!.p99.toFixed(2)} ms; due→commit p50 ${commitRuns.at(-1)!.p50.toFixed(2)} p99 ${commitRuns.at(-1)!.p99.toFixed(2)} ms`,
    )
  }
  return {
    rows,
    batchSize: BATCH,
    relay: spread(relayRuns),
    producer: spread(producerRuns),
    rate,
    outboxEndToEnd: medianSummary(outboxRuns),
    directEndToEnd: medianSummary(directRuns),
    writeLagMs,
    writeCommit: medianSummary(commitRuns),
  }
}

/** Starts the latency scenario's consumer child; resolves once it is ready, to its result. */
async function readyConsumer(
  topic: string,
  expected: number,
  warmupCount: number,
  seconds: number,
): Promise<{ result: Promise<LatencySummary> }> {
  const consumer = startChild<LatencySummary>(
    'latency.consume',
    { topic, expected, warmupCount },
    { timeoutMs: (seconds + 120) * 1000 },
  )
  consumer.result.catch(() => undefined)
  await Promise.race([
    new Promise<void>((resolve) => consumer.onEvent(() => resolve())),
    consumer.result.then(() => Promise.reject(new Error('the consumer ended before it was ready'))),
  ])
  return { result: consumer.result }
}

function outboxFor(pool: pg.Pool, schema: string, topic: string, notify = true) {
  const { event } = benchKafkit(topic, COMMON.partitions)
  const outbox = createOutbox({
    database: pgDatabase(pool),
    service: 'kafkit-bench',
    client: { brokers: brokers() },
    schema,
    notify,
  })
  return { outbox, event }
}

async function withPool<T>(max: number, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max })
  pool.on('error', () => undefined)
  try {
    return await fn(pool)
  } finally {
    await pool.end()
  }
}

async function migrated(schema: string, topic: string): Promise<void> {
  await withPool(1, (pool) => outboxFor(pool, schema, topic).outbox.migrate())
}

async function dropSchema(schema: string): Promise<void> {
  await withPool(1, (pool) => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
}

/** The backlog: `rows` events in transactions of 500, written before the relay starts. */
async function fill(schema: string, topic: string, rows: number): Promise<void> {
  await withPool(2, async (pool) => {
    const { outbox, event } = outboxFor(pool, schema, topic, false)
    await outbox.migrate()
    const note = padding(COMMON.recordBytes)
    const db = pgDatabase(pool)
    for (let at = 0; at < rows; at += BATCH) {
      await db.transaction((tx) =>
        outbox.publishBatch(
          tx,
          Array.from({ length: Math.min(BATCH, rows - at) }, (_, i) => ({
            event,
            payload: payload(at + i, COMMON.keys, note),
          })),
        ),
      )
    }
  })
}

// ---- child side -------------------------------------------------------------------------------

const epochNow = () => performance.timeOrigin + performance.now()

async function drain(params: DrainParams): Promise<{ seconds: number }> {
  return withPool(4, async (pool) => {
    const { outbox } = outboxFor(pool, params.schema, params.topic)
    const relay = outbox.relay({
      batchSize: BATCH,
      pollInterval: 50,
      telemetry: false,
      compression: COMMON.compression,
    })
    const started = performance.now()
    await relay.start()
    while (relay.status().relayed < params.rows) await new Promise((resolve) => setTimeout(resolve, 5))
    const seconds = (performance.now() - started) / 1000
    await relay.stop()
    return { seconds }
  })
}

/** The baseline: the producer's raw path, batches of the relay's size, one at a time, as the relay sends. */
async function direct(params: { topic: string; rows: number }): Promise<{ seconds: number }> {
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  void event
  const note = padding(COMMON.recordBytes)
  const records = Array.from({ length: params.rows + 1 }, (_, seq) => ({
    topic: params.topic,
    ...envelopeRecord(payload(seq, COMMON.keys, note)),
  }))
  await kafkit.producer.sendRecords(records.slice(0, 1))
  const started = performance.now()
  for (let at = 1; at < records.length; at += BATCH) await kafkit.producer.sendRecords(records.slice(at, at + BATCH))
  const seconds = (performance.now() - started) / 1000
  await kafkit.close()
  return { seconds }
}

async function relayTask(params: { schema: string; topic: string }, ctx: TaskContext): Promise<unknown> {
  return withPool(4, async (pool) => {
    const { outbox } = outboxFor(pool, params.schema, params.topic)
    const relay = outbox.relay({ batchSize: BATCH, telemetry: false, compression: COMMON.compression })
    await relay.start()
    const stop = new Promise<void>((resolve) => ctx.inbox.once('message', () => resolve()))
    ctx.emit('ready')
    await stop
    await relay.stop()
    return relay.status().relayed
  })
}

interface WriteResult {
  lagMs: number
  commit: LatencySummary
}

/** One transaction per event, open loop: each write starts when it is due, however long the last took. */
async function write(params: WriteParams): Promise<WriteResult> {
  return withPool(16, async (pool) => {
    const { outbox, event } = outboxFor(pool, params.schema, params.topic)
    const db = pgDatabase(pool)
    const note = padding(COMMON.recordBytes)
    const total = params.rate * params.seconds
    const interval = 1000 / params.rate
    const writeOne = (seq: number, dueEpoch: number) =>
      db.transaction((tx: PgQueryable) => outbox.publish(tx, event, payload(seq, COMMON.keys, note, dueEpoch)))
    await writeOne(-1, epochNow())
    let lag = 0
    const committed = latencyHistogram()
    const warmupCount = params.rate * params.warmupSeconds
    const pending: Promise<unknown>[] = []
    const start = performance.now() + 20
    for (let seq = 0; seq < total; seq++) {
      const due = start + seq * interval
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      lag = Math.max(lag, performance.now() - due)
      pending.push(
        writeOne(seq, performance.timeOrigin + due).then(() => {
          if (seq >= warmupCount) committed.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)))
        }),
      )
    }
    await Promise.all(pending)
    return { lagMs: lag, commit: summarize(committed) }
  })
}

export const tasks = { drain, direct, relay: relayTask, write }
