// 5. Memory: a kafkit consumer working through a large backlog with a slow handler. The runner
// stops fetching while the worker pool is full, so RSS and heap must stay flat however big the
// backlog is. Sampled every 250 ms in the consumer's own process.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RunContext } from '../lib/context.ts'
import { uniqueName } from '../lib/kafka.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { prefill } from './prefill.ts'

export interface MemoryResult {
  backlog: number
  seconds: number
  handlerMs: number
  concurrency: number
  /** V8 flags of the run ('' for Node's defaults). */
  v8: string
  /** Where kafkit was loaded from: its build (as applications run it) or its TypeScript sources. */
  build: 'dist' | 'source'
  processed: number
  /** MB (10^6 bytes). */
  rssBefore: number
  rssPeak: number
  rssEnd: number
  heapPeak: number
  heapEnd: number
  /** Buffers outside the V8 heap (fetched record batches), peak. */
  buffersPeak: number
  /** RSS at the end minus RSS a quarter of the way in (MB): growth once warmed up. */
  rssGrowth: number
  samples: { t: number; rss: number; heap: number; buffers: number; processed: number }[]
}

interface MemoryParams {
  topic: string
  backlog: number
  seconds: number
  handlerMs: number
  concurrency: number
}

export async function memoryScenario(ctx: RunContext): Promise<MemoryResult[]> {
  const { backlog, seconds, handlerMs, concurrency } = ctx.profile.memory
  const topic = await ctx.topic('memory', COMMON.partitions)
  await prefill(ctx, { topic, records: backlog, keys: COMMON.keys, unique: false })
  buildDist(ctx)
  const results: MemoryResult[] = []
  // kafkit as an application runs it, from dist/ (type stripping the sources adds ~25 MB of RSS).
  // Node's defaults, then the default concurrency with V8's young generation capped: on a machine
  // with plenty of RAM V8 grows it to over 100 MB under a steady allocation rate, which is most of
  // the RSS; the capped run shows what the consumer itself holds.
  const runs = [
    ...concurrency.map((c) => ({ c, v8: [] as string[] })),
    { c: concurrency[0]!, v8: ['--max-semi-space-size=16'] },
  ]
  for (const { c, v8 } of runs) {
    // A new group each time: every run starts from the whole backlog.
    const params: MemoryParams = { topic, backlog, seconds, handlerMs, concurrency: c }
    const result = await ctx.child<MemoryResult>('memory.run', params, {
      timeoutMs: (seconds + 120) * 1000,
      nodeFlags: v8,
      compiled: true,
    })
    result.v8 = v8.join(' ')
    ctx.log(
      `memory c=${c}${v8.length ? ` ${v8.join(' ')}` : ''}: ${result.processed} processed, RSS peak ${result.rssPeak.toFixed(0)} MB, heap peak ${result.heapPeak.toFixed(0)} MB`,
    )
    results.push(result)
  }
  return results
}

/** Builds dist/ from the current sources, so the measured build is never stale. */
function buildDist(ctx: RunContext) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const root = new URL('../../', import.meta.url)
  ctx.log('memory: building dist/ (npm run build)')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
}

// ---- child side -------------------------------------------------------------------------------

/** Decimal megabytes, as the target (RSS < 200 MB) is stated. */
const MB = 1_000_000

async function run(params: MemoryParams): Promise<MemoryResult> {
  const rssBefore = process.memoryUsage.rss() / MB
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  let processed = 0
  const consumer = kafkit.consumer({ group: uniqueName('bench-memory'), concurrency: params.concurrency })
  consumer.on(event, async () => {
    await sleep(params.handlerMs)
    processed++
  })
  const samples: MemoryResult['samples'] = []
  const started = performance.now()
  const sample = () => {
    const { rss, heapUsed, arrayBuffers } = process.memoryUsage()
    const t = (performance.now() - started) / 1000
    samples.push({ t, rss: rss / MB, heap: heapUsed / MB, buffers: arrayBuffers / MB, processed })
  }
  const timer = setInterval(sample, 250)
  await consumer.start()
  await sleep(params.seconds * 1000)
  clearInterval(timer)
  sample()
  await kafkit.close()
  const last = samples.at(-1)!
  const quarter = samples.find((s) => s.t >= params.seconds / 4) ?? samples[0]!
  return {
    backlog: params.backlog,
    seconds: params.seconds,
    handlerMs: params.handlerMs,
    concurrency: params.concurrency,
    v8: '',
    build: import.meta.resolve('kafkit').includes('/dist/') ? 'dist' : 'source',
    processed,
    rssBefore,
    rssPeak: Math.max(...samples.map((s) => s.rss)),
    rssEnd: last.rss,
    heapPeak: Math.max(...samples.map((s) => s.heap)),
    heapEnd: last.heap,
    buffersPeak: Math.max(...samples.map((s) => s.buffers)),
    rssGrowth: last.rss - quarter.rss,
    samples,
  }
}

export const tasks = { run }
