// 3. Latency at fixed offered rates, open loop: sends are scheduled by the clock, never by the
// previous send's completion, and every latency is measured from the time the send was *due*, so a
// stall shows up in the figures instead of silently slowing the schedule (coordinated omission).
// Publish→ack is measured by the producer; end-to-end by a kafkit consumer in a second process on
// the same host, from the due time stamped in the payload. Warm-up records are discarded. The raw
// @platformatic/kafka client runs the same schedule in the same way (its producer stream sending at
// once as kafkit's `publish`, its consumer with kafkit's fetch settings), and so does the
// Java client (bench/java/OpenLoopLatency.java: kafka-clients producer and consumer in one JVM, the
// same record size, acks, idempotence, batching and linger).
import { ProducerStreamReportModes } from '@platformatic/kafka'
import type { RunContext } from '../lib/context.ts'
import { startChild } from '../lib/child.ts'
import { handMadeRecord, padding, payload, type BenchPayloadType } from '../lib/events.ts'
import { producerPerformance, type ProducerPerfResult } from '../lib/java.ts'
import { rawConsumerStream, rawProducer, uniqueName } from '../lib/kafka.ts'
import { latencyTrace } from '../lib/latency-trace.ts'
import { benchKafkit, reached } from '../lib/kafkit.ts'
import { javaLatencyAvailable, runJavaLatency, type JavaLatencyRun } from '../lib/peers.ts'
import { COMMON } from '../lib/settings.ts'
import { latencyHistogram, medianSummary, summarize, type LatencySummary } from '../lib/stats.ts'
import type { TaskContext } from '../lib/worker.ts'

export interface LatencyRate {
  rate: number
  /** Records per second actually offered (the schedule kept). */
  offered: number
  publishAck: LatencySummary
  endToEnd: LatencySummary
  /** Mean delay between a send's due time and the harness calling publish (its own timer lag). */
  scheduleLagMs: number
  /**
   * Publish→ack from the moment the harness called publish (without its timer lag), and that lag's
   * distribution: what of the figures above is the harness's timer rather than the producer.
   */
  publishAckFromCall?: LatencySummary
  scheduleLag?: LatencySummary
  failures: number
  javaPublishAck?: ProducerPerfResult
  /** The raw @platformatic/kafka client on the same schedule, run after kafkit in every repeat. */
  raw?: ClientOpenLoop
  /** The plain Java client on the same open-loop schedule (medians of as many runs as kafkit's). */
  java?: JavaOpenLoop
}

/** A peer client's figures on the same open-loop schedule. */
export type JavaOpenLoop = ClientOpenLoop

export interface ClientOpenLoop {
  offered: number
  publishAck: LatencySummary
  endToEnd: LatencySummary
  scheduleLagMs: number
  failures: number
}

export interface LatencyResults {
  rates: LatencyRate[]
  /** Rates whose measurement failed (e.g. a consumer that did not keep up within its deadline). */
  failed?: { rate: number; error: string }[]
}

interface ProduceParams {
  topic: string
  rate: number
  seconds: number
  warmupSeconds: number
}

interface ProduceRun {
  offered: number
  publishAck: LatencySummary
  publishAckFromCall: LatencySummary
  scheduleLag: LatencySummary
  scheduleLagMs: number
  failures: number
}

interface ConsumeParams {
  topic: string
  expected: number
  warmupCount: number
}

export async function latencyScenario(ctx: RunContext): Promise<LatencyResults> {
  const { rates } = ctx.profile.latency
  const results: LatencyRate[] = []
  const failed: { rate: number; error: string }[] = []
  for (const rate of rates) {
    // A rate the machine cannot keep up with fails alone: the other rates' figures stay.
    try {
      results.push(await measureRate(ctx, rate))
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
      failed.push({ rate, error: message })
      ctx.log(`latency ${rate}/s failed: ${message}`)
    }
  }
  if (results.length === 0) throw new Error(`every rate failed: ${failed.map((f) => f.error).join('; ')}`)
  return failed.length > 0 ? { rates: results, failed } : { rates: results }
}

async function measureRate(ctx: RunContext, rate: number): Promise<LatencyRate> {
  const { repeats } = ctx.profile.latency
  const producerRuns: ProduceRun[] = []
  const e2eRuns: LatencySummary[] = []
  const rawProducerRuns: ProduceRun[] = []
  const rawE2eRuns: LatencySummary[] = []
  for (let r = 0; r < repeats; r++) {
    // kafkit, then the raw client, in every repeat: both see the same state of the broker.
    for (const client of ['kafkit', 'raw'] as const) {
      const { produced, e2e } = await clientRun(ctx, rate, client)
      ;(client === 'kafkit' ? producerRuns : rawProducerRuns).push(produced)
      ;(client === 'kafkit' ? e2eRuns : rawE2eRuns).push(e2e)
      ctx.log(
        `latency ${rate}/s ${client} run ${r + 1}: ack p50 ${produced.publishAck.p50.toFixed(2)} p99 ${produced.publishAck.p99.toFixed(2)} ms; e2e p50 ${e2e.p50.toFixed(2)} p99 ${e2e.p99.toFixed(2)} ms; from the call: ack p50 ${produced.publishAckFromCall.p50.toFixed(2)} p99 ${produced.publishAckFromCall.p99.toFixed(2)} ms; harness lag p50 ${produced.scheduleLag.p50.toFixed(2)} p99 ${produced.scheduleLag.p99.toFixed(2)} ms`,
      )
    }
  }
  const entry: LatencyRate = {
    rate,
    ...openLoopSummary(producerRuns, e2eRuns),
    publishAckFromCall: medianSummary(producerRuns.map((p) => p.publishAckFromCall)),
    scheduleLag: medianSummary(producerRuns.map((p) => p.scheduleLag)),
    raw: openLoopSummary(rawProducerRuns, rawE2eRuns),
  }
  if (ctx.java && javaLatencyAvailable()) entry.java = await javaOpenLoop(ctx, rate)
  if (ctx.java) {
    const topic = await ctx.topic(`latency-java-${rate}`, COMMON.partitions)
    entry.javaPublishAck = await producerPerformance(ctx.bootstrap, topic, rate * ctx.profile.latency.seconds, rate)
    ctx.log(
      `latency ${rate}/s: java ProducerPerformance p50 ${entry.javaPublishAck.p50} p99 ${entry.javaPublishAck.p99} ms`,
    )
  }
  return entry
}

function openLoopSummary(producerRuns: ProduceRun[], e2eRuns: LatencySummary[]): ClientOpenLoop {
  return {
    offered: median(producerRuns.map((p) => p.offered)),
    publishAck: medianSummary(producerRuns.map((p) => p.publishAck)),
    endToEnd: medianSummary(e2eRuns),
    scheduleLagMs: median(producerRuns.map((p) => p.scheduleLagMs)),
    failures: producerRuns.reduce((sum, p) => sum + p.failures, 0),
  }
}

/** One run of a Node client: its consumer in one child, subscribed first, its producer in another. */
async function clientRun(
  ctx: RunContext,
  rate: number,
  client: 'kafkit' | 'raw',
): Promise<{ produced: ProduceRun; e2e: LatencySummary }> {
  const { seconds, warmupSeconds } = ctx.profile.latency
  const topic = await ctx.topic(`latency-${client}-${rate}`, COMMON.partitions)
  const expected = rate * seconds
  const suffix = client === 'raw' ? 'Raw' : ''
  const consumer = startChild<LatencySummary>(
    `latency.consume${suffix}`,
    { topic, expected, warmupCount: rate * warmupSeconds } satisfies ConsumeParams,
    { profileDir: ctx.profileDir, timeoutMs: (seconds + 120) * 1000 },
  )
  const consumed = consumer.result
  // Awaited below; until then a failure must not surface as an unhandled rejection.
  consumed.catch(() => undefined)
  const ready = new Promise<void>((resolve) => consumer.onEvent(() => resolve()))
  await Promise.race([ready, consumed.then(() => Promise.reject(new Error('the consumer ended before it was ready')))])
  const produced = await ctx.child<ProduceRun>(`latency.produce${suffix}`, {
    topic,
    rate,
    seconds,
    warmupSeconds,
  } satisfies ProduceParams)
  return { produced, e2e: await consumed }
}

async function javaOpenLoop(ctx: RunContext, rate: number): Promise<JavaOpenLoop> {
  const { seconds, warmupSeconds, repeats } = ctx.profile.latency
  const runs: JavaLatencyRun[] = []
  for (let r = 0; r < repeats; r++) {
    const topic = await ctx.topic(`latency-java-open-${rate}`, COMMON.partitions)
    const run = await runJavaLatency({
      bootstrap: ctx.bootstrap,
      topic,
      group: uniqueName('bench-latency-java'),
      rate,
      seconds,
      warmupSeconds,
    })
    if (!run.ok)
      throw new Error(`the Java client's latency run at ${rate}/s did not see every record acknowledged and consumed`)
    runs.push(run)
    ctx.log(
      `latency ${rate}/s java run ${r + 1}: ack p50 ${run.publishAck.p50.toFixed(2)} p99 ${run.publishAck.p99.toFixed(2)} ms; e2e p50 ${run.endToEnd.p50.toFixed(2)} p99 ${run.endToEnd.p99.toFixed(2)} ms`,
    )
  }
  return {
    offered: median(runs.map((r) => r.offered)),
    publishAck: medianSummary(runs.map((r) => r.publishAck)),
    endToEnd: medianSummary(runs.map((r) => r.endToEnd)),
    scheduleLagMs: median(runs.map((r) => r.scheduleLagMs)),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1] ?? NaN
}

// ---- child side -------------------------------------------------------------------------------

const epochNow = () => performance.timeOrigin + performance.now()
const micros = (ms: number) => Math.max(1, Math.round(ms * 1000))

/** Sends one record due at `dueEpochMs` (stamped in it); resolves when it is acknowledged. */
type Send = (seq: number, dueEpochMs: number) => Promise<unknown>

/** Runs the open-loop schedule over `send`: the same clock, lag and histograms for every client. */
async function openLoop(params: ProduceParams, send: Send, label: string): Promise<ProduceRun> {
  const trace = latencyTrace(label)
  const histogram = latencyHistogram()
  const fromCall = latencyHistogram()
  const lags = latencyHistogram()
  const total = params.rate * params.seconds
  const warmupCount = params.rate * params.warmupSeconds
  const interval = 1000 / params.rate
  let sent = 0
  let settled = 0
  let failures = 0
  let lag = 0
  const start = performance.now() + 20
  await new Promise<void>((done) => {
    const sendAt = (seq: number, due: number) => {
      const called = performance.now()
      lag += called - due
      if (seq >= warmupCount) lags.recordValue(micros(called - due))
      send(seq, performance.timeOrigin + due).then(
        () => {
          const now = performance.now()
          if (seq >= warmupCount) {
            histogram.recordValue(micros(now - due))
            fromCall.recordValue(micros(now - called))
            trace.record(performance.timeOrigin + due, now - due)
          }
          if (++settled === total) done()
        },
        () => {
          failures++
          if (++settled === total) done()
        },
      )
    }
    const tick = () => {
      const now = performance.now()
      while (sent < total && start + sent * interval <= now) sendAt(sent, start + sent++ * interval)
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()))
    }
    tick()
  })
  const elapsed = (performance.now() - start) / 1000
  trace.finish()
  return {
    offered: total / elapsed,
    publishAck: summarize(histogram),
    publishAckFromCall: summarize(fromCall),
    scheduleLag: summarize(lags),
    scheduleLagMs: lag / total,
    failures,
  }
}

async function produce(params: ProduceParams): Promise<ProduceRun> {
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  const note = padding(COMMON.recordBytes)
  // Connections and metadata first: the schedule starts warm.
  await kafkit.publish(event, payload(-1, COMMON.keys, note, epochNow()))
  const run = await openLoop(
    params,
    (seq, due) => kafkit.publish(event, payload(seq, COMMON.keys, note, due)),
    `produce-kafkit-${params.rate}`,
  )
  await kafkit.close()
  return run
}

/**
 * The raw client's producer stream sends as kafkit's `publish` does: at once (batchTime 0: the next
 * turn of the event loop), and what arrives while its request is in flight goes in the next one, up
 * to `batchRecords` (64 of these 1 KiB records: kafkit's 64 KiB batch). kafkit's linger applies to
 * `publishAsync` only. Each record's delivery report is its acknowledgement.
 */
async function produceRaw(params: ProduceParams): Promise<ProduceRun> {
  const producer = rawProducer('bench-latency-raw')
  const note = padding(COMMON.recordBytes)
  const topic = params.topic
  const warm = handMadeRecord(payload(-1, COMMON.keys, note, epochNow()))
  await producer.send({ messages: [{ topic, ...warm }] })
  const stream = producer.asStream({
    batchSize: COMMON.batchRecords,
    batchTime: 0,
    reportMode: ProducerStreamReportModes.MESSAGE,
  })
  const acks = new Map<object, { resolve: () => void; reject: (error: unknown) => void }>()
  stream.on('delivery-report', (report: { message: object }) => {
    const ack = acks.get(report.message)
    acks.delete(report.message)
    ack?.resolve()
  })
  // A failed send destroys the stream: every record not yet acknowledged counts as a failure.
  stream.on('error', (error: unknown) => {
    for (const ack of acks.values()) ack.reject(error)
    acks.clear()
  })
  const run = await openLoop(
    params,
    (seq, due) =>
      new Promise<void>((resolve, reject) => {
        const message = { topic, ...handMadeRecord(payload(seq, COMMON.keys, note, due)) }
        acks.set(message, { resolve, reject })
        stream.write(message, (error) => {
          if (error && acks.delete(message)) reject(error)
        })
      }),
    `produce-raw-${params.rate}`,
  )
  await stream.close()
  await producer.close()
  return run
}

async function consume(params: ConsumeParams, ctx: TaskContext): Promise<LatencySummary> {
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  const seen = received(params, 'kafkit')
  const consumer = kafkit.consumer({ group: uniqueName('bench-latency') })
  consumer.on(event, (e) => seen.hit(e.payload))
  await consumer.start()
  ctx.emit('ready')
  await reached(() => seen.count, params.expected, 600_000)
  await kafkit.close()
  return seen.finish()
}

/** The raw client's consumer with kafkit's fetch settings, parsing each value as a user would. */
async function consumeRaw(params: ConsumeParams, ctx: TaskContext): Promise<LatencySummary> {
  const seen = received(params, 'raw')
  const { consumer, stream } = await rawConsumerStream('bench-latency-raw', params.topic)
  stream.on('data', (message: { value: Buffer }) => {
    seen.hit((JSON.parse(message.value.toString('utf8')) as { payload: BenchPayloadType }).payload)
  })
  ctx.emit('ready')
  await reached(() => seen.count, params.expected, 600_000)
  await stream.close()
  await consumer.close(true)
  return seen.finish()
}

/** Counts the scheduled records a consumer received and their end-to-end latency. */
function received(params: ConsumeParams, client: string) {
  const histogram = latencyHistogram()
  const trace = latencyTrace(`consume-${client}`)
  let count = 0
  return {
    get count() {
      return count
    },
    hit(p: BenchPayloadType) {
      const latency = epochNow() - p.sent_at
      if (p.seq >= params.warmupCount) {
        histogram.recordValue(micros(latency))
        trace.record(p.sent_at, latency)
      }
      if (p.seq >= 0) count++
    },
    finish(): LatencySummary {
      trace.finish()
      return summarize(histogram)
    },
  }
}

export const tasks = { produce, consume, produceRaw, consumeRaw }
