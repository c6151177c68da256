// 4. Key-ordered worker-pool efficiency: handlers that sleep 10 ms, 1,000 keys, 1 and 6 partitions,
// concurrency 1, 10 and 100. The ideal (Little's law) is min(concurrency, keys) / handler time; the
// records are produced beforehand so that the producer never limits the measurement.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RunContext } from '../lib/context.ts'
import { uniqueName } from '../lib/kafka.ts'
import { benchKafkit, reached } from '../lib/kafkit.ts'
import { prefill } from './prefill.ts'

export interface PoolCase {
  partitions: number
  concurrency: number
  records: number
  ideal: number
  msgsPerSec: number
  efficiency: number
  peakConcurrency: number
  /** Records of one key that started before an earlier record of that key (must be 0). */
  orderViolations: number
  /** Mean time a handler actually took (the 10 ms sleep plus timer lateness). */
  meanHandlerMs: number
  /** Event-loop delay while running (ms): how late timers such as the handlers' sleeps fire. */
  loopDelayP99Ms: number
  loopDelayMaxMs: number
}

interface PoolParams {
  topic: string
  partitions: number
  concurrency: number
  records: number
  handlerMs: number
}

type PoolRun = Omit<PoolCase, 'ideal' | 'efficiency'>

export async function poolScenario(ctx: RunContext): Promise<PoolCase[]> {
  const { seconds, handlerMs, keys, concurrency, partitions } = ctx.profile.pool
  const ideal = (c: number) => Math.min(c, keys) / (handlerMs / 1000)
  const recordsFor = (c: number) => Math.round(ideal(c) * seconds)
  const cases: PoolCase[] = []
  for (const p of partitions) {
    const topic = await ctx.topic(`pool-${p}p`, p)
    // Distinct records (sequence numbers per key) so that per-key order can be checked.
    await prefill(ctx, { topic, records: Math.max(...concurrency.map(recordsFor)), keys, unique: true })
    for (const c of concurrency) {
      const params: PoolParams = { topic, partitions: p, concurrency: c, records: recordsFor(c), handlerMs }
      const run = await ctx.child<PoolRun>('pool.run', params)
      const entry = { ...run, ideal: ideal(c), efficiency: run.msgsPerSec / ideal(c) }
      cases.push(entry)
      ctx.log(
        `pool ${p}p c=${c}: ${Math.round(run.msgsPerSec)}/s of ${ideal(c)} ideal (${(entry.efficiency * 100).toFixed(1)}%)`,
      )
    }
  }
  return cases
}

// ---- child side -------------------------------------------------------------------------------

async function run(params: PoolParams): Promise<PoolRun> {
  const { kafkit, event } = benchKafkit(params.topic, params.partitions)
  const lastSeq = new Map<string, number>()
  let started = 0
  let finished = 0
  let first = 0
  let last = 0
  let violations = 0
  let handlerTime = 0
  const consumer = kafkit.consumer({ group: uniqueName('bench-pool'), concurrency: params.concurrency })
  consumer.on(event, async (e) => {
    const begin = performance.now()
    if (started++ === 0) first = begin
    const { user_id: key, seq } = e.payload
    if ((lastSeq.get(key) ?? -1) >= seq) violations++
    lastSeq.set(key, seq)
    await sleep(params.handlerMs)
    const end = performance.now()
    handlerTime += end - begin
    if (++finished === params.records) last = end
  })
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  await consumer.start()
  loopDelay.enable()
  await reached(() => finished, params.records, 300_000)
  loopDelay.disable()
  const peakConcurrency = consumer.peakConcurrency
  await kafkit.close()
  return {
    partitions: params.partitions,
    concurrency: params.concurrency,
    records: params.records,
    msgsPerSec: params.records / ((last - first) / 1000),
    peakConcurrency,
    orderViolations: violations,
    meanHandlerMs: handlerTime / finished,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
  }
}

export const tasks = { run }
