// 8. Consume-transform-produce: a service that reads the bench event and publishes one event per
// input with ctx.publish, at least once (kafkit's producer; offsets committed on their own) against
// one Kafka transaction per commit interval (outputs and input offsets together), in one run.
// Throughput: a backlog drained, from the service's start to every input offset committed.
// Latency, open loop: from the input being due to a read_committed consumer (another process)
// receiving the output, the service in between.
import { Admin } from '@platformatic/kafka'
import { Consumer, createCatalog, createKafkit, defineEvent, defineTopic, silentLogger } from 'kafkit'
import { startChild } from '../lib/child.ts'
import type { RunContext } from '../lib/context.ts'
import { BenchPayload, benchEvent } from '../lib/events.ts'
import { brokers, uniqueName } from '../lib/kafka.ts'
import { reached } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { medianSummary, latencyHistogram, spread, summarize, type LatencySummary, type Spread } from '../lib/stats.ts'
import type { TaskContext } from '../lib/worker.ts'
import { prefill } from './prefill.ts'

export const CTP_MODES = ['at-least-once', 'transactional', 'transactional-100ms'] as const
const LATENCY_RATE = 100
export type CtpMode = (typeof CTP_MODES)[number]

export interface TransactionsResults {
  records: number
  /** Inputs per second, each with its output written and its offset committed. */
  throughput: Record<CtpMode, Spread>
  rate: number
  /** Input due → output received by a read_committed consumer. */
  endToEnd: Record<CtpMode, LatencySummary>
}

interface ServeParams {
  input: string
  output: string
  mode: CtpMode
  /** Drain: stop once this many input offsets are committed and report the time. */
  records?: number
}

export async function transactionsScenario(ctx: RunContext): Promise<TransactionsResults> {
  const { rows: records, seconds, warmupSeconds } = ctx.profile.outbox
  // Well below what the service drains here, so that latency is the mechanism's, not a queue's.
  const rate = LATENCY_RATE
  const input = await ctx.topic('ctp-backlog', COMMON.partitions)
  await prefill(ctx, { topic: input, records, keys: COMMON.keys, unique: false })
  const runs: Record<CtpMode, number[]> = { 'at-least-once': [], transactional: [], 'transactional-100ms': [] }
  for (let r = 0; r < ctx.profile.repeats; r++) {
    for (const mode of CTP_MODES) {
      const output = await ctx.topic(`ctp-out-${mode}`, COMMON.partitions)
      const drained = await ctx.child<{ seconds: number }>(
        'transactions.serve',
        { input, output, mode, records } satisfies ServeParams,
        { timeoutMs: 900_000 },
      )
      runs[mode].push(records / drained.seconds)
      ctx.log(`ctp run ${r + 1}: ${mode} ${Math.round(runs[mode].at(-1)!)} inputs/s`)
    }
  }
  const latency: Partial<Record<CtpMode, LatencySummary[]>> = {}
  for (let r = 0; r < ctx.profile.latency.repeats; r++) {
    for (const mode of CTP_MODES) {
      const from = await ctx.topic(`ctp-lat-in-${mode}`, COMMON.partitions)
      const to = await ctx.topic(`ctp-lat-out-${mode}`, COMMON.partitions)
      const reader = startChild<LatencySummary>(
        'transactions.read',
        { topic: to, expected: rate * seconds, warmupCount: rate * warmupSeconds },
        { timeoutMs: (seconds + 180) * 1000 },
      )
      reader.result.catch(() => undefined)
      await new Promise<void>((resolve) => reader.onEvent(() => resolve()))
      const service = startChild<unknown>(
        'transactions.serve',
        { input: from, output: to, mode } satisfies ServeParams,
        {
          timeoutMs: (seconds + 180) * 1000,
        },
      )
      service.result.catch(() => undefined)
      await new Promise<void>((resolve) => service.onEvent(() => resolve()))
      await ctx.child('latency.produce', { topic: from, rate, seconds, warmupSeconds })
      const summary = await reader.result
      service.send('stop')
      await service.result
      ;(latency[mode] ??= []).push(summary)
      ctx.log(`ctp latency ${rate}/s ${mode}: e2e p50 ${summary.p50.toFixed(2)} p99 ${summary.p99.toFixed(2)} ms`)
    }
  }
  return {
    records,
    throughput: {
      'at-least-once': spread(runs['at-least-once']),
      transactional: spread(runs.transactional),
      'transactional-100ms': spread(runs['transactional-100ms']),
    },
    rate,
    endToEnd: {
      'at-least-once': medianSummary(latency['at-least-once'] ?? []),
      transactional: medianSummary(latency.transactional ?? []),
      'transactional-100ms': medianSummary(latency['transactional-100ms'] ?? []),
    },
  }
}

// ---- child side -------------------------------------------------------------------------------

const epochNow = () => performance.timeOrigin + performance.now()
const micros = (ms: number) => Math.max(1, Math.round(ms * 1000))

function echoedEvent(topic: string) {
  return defineEvent({
    type: 'bench.echoed',
    version: '1.0',
    topic: defineTopic({ name: topic, key: 'user_id', partitions: COMMON.partitions }),
    schema: BenchPayload,
  })
}

/** The service: echoes every input; drains a backlog (and reports the time) or serves until told to stop. */
async function serve(params: ServeParams, ctx: TaskContext): Promise<{ seconds: number }> {
  const input = benchEvent(params.input, COMMON.partitions)
  const output = echoedEvent(params.output)
  const group = uniqueName('bench-ctp')
  const kafkit = createKafkit({
    service: 'kafkit-bench',
    catalog: [input, output],
    client: { brokers: brokers() },
    logger: silentLogger(),
    producer: { compression: COMMON.compression, linger: COMMON.lingerMs, batchSizeBytes: COMMON.batchBytes },
  })
  const transactional = params.mode !== 'at-least-once'
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog: createCatalog([input, output]),
    service: 'kafkit-bench',
    group,
    logger: silentLogger(),
    lagInterval: false,
    telemetry: false,
    ...(transactional ? { transactional: { id: group } } : { producer: kafkit.producer }),
    ...(params.mode === 'transactional-100ms' && { commitInterval: 100 }),
  })
  consumer.on(input, async (event, handler) => {
    await handler.publish(output, event.payload)
  })
  const started = performance.now()
  await consumer.start()
  if (params.records === undefined) {
    // Ready once every partition is assigned: the group join is not part of the latency.
    while ((consumer.status().runners[0]?.assigned.length ?? 0) < COMMON.partitions)
      await new Promise((resolve) => setTimeout(resolve, 20))
    ctx.emit('ready')
    await new Promise<void>((resolve) => ctx.inbox.once('message', () => resolve()))
    await consumer.close()
    await kafkit.close()
    return { seconds: (performance.now() - started) / 1000 }
  }
  const admin = new Admin({ clientId: uniqueName('bench-ctp-admin'), bootstrapBrokers: brokers() })
  const target = BigInt(params.records)
  for (;;) {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] })
    const parts = offsets?.topics.find((t) => t.name === params.input)?.partitions ?? []
    if (parts.reduce((sum, p) => sum + (p.committedOffset > 0n ? p.committedOffset : 0n), 0n) >= target) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const seconds = (performance.now() - started) / 1000
  await admin.close()
  await consumer.close()
  await kafkit.close()
  return { seconds }
}

/** The downstream reader (read_committed, kafkit's default): latency from the input's due time. */
async function read(
  params: { topic: string; expected: number; warmupCount: number },
  ctx: TaskContext,
): Promise<LatencySummary> {
  const output = echoedEvent(params.topic)
  const kafkit = createKafkit({
    service: 'kafkit-bench',
    catalog: [output],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  const histogram = latencyHistogram()
  let seen = 0
  const consumer = kafkit.consumer({ group: uniqueName('bench-ctp-read'), isolation: 'read_committed' })
  consumer.on(output, (e) => {
    if (e.payload.seq >= params.warmupCount) histogram.recordValue(micros(epochNow() - e.payload.sent_at))
    if (e.payload.seq >= 0) seen++
  })
  await consumer.start()
  while ((consumer.status().runners[0]?.assigned.length ?? 0) < COMMON.partitions)
    await new Promise((resolve) => setTimeout(resolve, 20))
  ctx.emit('ready')
  await reached(() => seen, params.expected, 600_000)
  await kafkit.close()
  return summarize(histogram)
}

export const tasks = { serve, read }
