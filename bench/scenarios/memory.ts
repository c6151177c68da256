// 5. Memory: a kafkit consumer working through a large backlog with a slow handler. The runner
// stops fetching while the worker pool is full, so RSS and heap must stay flat however big the
// backlog is. Sampled every 250 ms in the consumer's own process.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire, stripTypeScriptTypes } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { getHeapSpaceStatistics } from 'node:v8'
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
  /** What the child process ran: the JavaScript copy (`jsWorker()`) or the TypeScript sources. */
  child: 'javascript' | 'typescript'
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
  /** At the sample of the RSS peak: V8's committed heap, its young generation, and memory outside it (MB); absent in results written before 2026-12-03. */
  atPeak: { heapTotal: number; heapUsed: number; newSpace: number; external: number; buffers: number }
  /** Process CPU time (user + system) per processed record, µs: what a memory setting costs. */
  cpuPerRecordUs: number
  samples: Sample[]
}

interface Sample {
  t: number
  rss: number
  heap: number
  heapTotal: number
  newSpace: number
  external: number
  buffers: number
  processed: number
}

interface MemoryParams {
  topic: string
  backlog: number
  seconds: number
  handlerMs: number
  concurrency: number
  /** Consumer options of the run (a setting under study); the bench's run passes none. */
  consumer?: Record<string, unknown>
}

export async function memoryScenario(ctx: RunContext): Promise<MemoryResult[]> {
  const { backlog, seconds, handlerMs, concurrency } = ctx.profile.memory
  const topic = await ctx.topic('memory', COMMON.partitions)
  await prefill(ctx, { topic, records: backlog, keys: COMMON.keys, unique: false })
  buildDist(ctx)
  const worker = jsWorker()
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
      worker,
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

/**
 * A JavaScript copy of the child's bench files (the worker, this scenario and what they import), in
 * bench/.build/: an application runs kafkit from JavaScript, and Node's TypeScript loader alone
 * adds ~17 MB to a process's RSS (a bare `node` 43 MB, running a .ts file 61 MB).
 */
export function jsWorker(): string {
  const bench = new URL('../', import.meta.url)
  const out = new URL('.build/', bench)
  const pending = ['lib/worker.ts', 'scenarios/memory.ts']
  const done = new Set<string>()
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue
    done.add(file)
    const code = stripTypeScriptTypes(readFileSync(new URL(file, bench), 'utf8'))
    // Value imports of other bench files (type imports are gone with the types).
    for (const [, spec] of code.matchAll(/from '(\.{1,2}\/[^']+)\.ts'/g)) {
      const target = new URL(`${spec}.ts`, new URL(file, bench)).href.slice(bench.href.length)
      if (!target.startsWith('../')) pending.push(target)
    }
    const js = new URL(file.replace(/\.ts$/, '.js'), out)
    mkdirSync(dirname(fileURLToPath(js)), { recursive: true })
    writeFileSync(js, code.replace(/(\.{1,2}\/[^'`]*)\.ts(['`])/g, '$1.js$2'))
  }
  return fileURLToPath(new URL('lib/worker.js', out))
}

// ---- child side -------------------------------------------------------------------------------

/** Decimal megabytes, as the target (RSS < 200 MB) is stated. */
const MB = 1_000_000

async function run(params: MemoryParams): Promise<MemoryResult> {
  const rssBefore = process.memoryUsage.rss() / MB
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  let processed = 0
  const consumer = kafkit.consumer({
    ...params.consumer,
    group: uniqueName('bench-memory'),
    concurrency: params.concurrency,
  })
  if (params.handlerMs > 0)
    consumer.on(event, async () => {
      await sleep(params.handlerMs)
      processed++
    })
  // No handler time: the consumer runs flat out (what a memory setting costs in CPU per record).
  else consumer.on(event, () => void processed++)
  const samples: Sample[] = []
  const started = performance.now()
  const sample = () => {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage()
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0
    const t = (performance.now() - started) / 1000
    samples.push({
      t,
      rss: rss / MB,
      heap: heapUsed / MB,
      heapTotal: heapTotal / MB,
      newSpace: newSpace / MB,
      external: external / MB,
      buffers: arrayBuffers / MB,
      processed,
    })
  }
  const timer = setInterval(sample, 250)
  const cpuStart = process.cpuUsage()
  await consumer.start()
  await sleep(params.seconds * 1000)
  const cpu = process.cpuUsage(cpuStart)
  clearInterval(timer)
  sample()
  await kafkit.close()
  const last = samples.at(-1)!
  const peak = samples.reduce((a, b) => (b.rss > a.rss ? b : a))
  const quarter = samples.find((s) => s.t >= params.seconds / 4) ?? samples[0]!
  return {
    backlog: params.backlog,
    seconds: params.seconds,
    handlerMs: params.handlerMs,
    concurrency: params.concurrency,
    v8: '',
    build: import.meta.resolve('kafkit').includes('/dist/') ? 'dist' : 'source',
    child: import.meta.url.endsWith('.js') ? 'javascript' : 'typescript',
    processed,
    rssBefore,
    rssPeak: Math.max(...samples.map((s) => s.rss)),
    rssEnd: last.rss,
    heapPeak: Math.max(...samples.map((s) => s.heap)),
    heapEnd: last.heap,
    buffersPeak: Math.max(...samples.map((s) => s.buffers)),
    rssGrowth: last.rss - quarter.rss,
    atPeak: {
      heapTotal: peak.heapTotal,
      heapUsed: peak.heap,
      newSpace: peak.newSpace,
      external: peak.external,
      buffers: peak.buffers,
    },
    cpuPerRecordUs: processed > 0 ? (cpu.user + cpu.system) / processed : 0,
    samples,
  }
}

export const tasks = { run }
