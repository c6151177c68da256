// 4. Key-ordered worker-pool efficiency: handlers that sleep 10 ms, on topics of 1 and 6 partitions
// prefilled with records of 1,000 (and 10,000) keys, at several concurrencies. The ideal (Little's
// law) is min(concurrency, keys) / handler time; the records are produced beforehand so that the
// producer never limits the measurement. The peers run on the same topics and records: Confluent's
// Parallel Consumer with KEY ordering and `maxConcurrency` threads, and kafkajs with
// `partitionsConsumedConcurrently` (its concurrency is per partition, not per key).
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import kafkajs from 'kafkajs'
import type { RunContext } from '../lib/context.ts'
import { brokers, uniqueName } from '../lib/kafka.ts'
import { benchKafkit, reached } from '../lib/kafkit.ts'
import {
  ensureParallelConsumer,
  parallelConsumerUnavailable,
  runParallelConsumer,
  type ParallelConsumerRun,
} from '../lib/peers.ts'
import { COMMON } from '../lib/settings.ts'
import { prefill } from './prefill.ts'

export const POOL_CLIENTS = ['kafkit', 'parallel-consumer', 'kafkajs'] as const
export type PoolClient = (typeof POOL_CLIENTS)[number]

export interface PoolCase {
  client: PoolClient
  keys: number
  partitions: number
  concurrency: number
  /** Records the rate is of: all that were asked for, or those handled before a peer's deadline. */
  records: number
  /** False when a peer's deadline ended the run before all the records were handled. */
  complete: boolean
  ideal: number
  msgsPerSec: number
  efficiency: number
  peakConcurrency: number
  /** Records of one key that started before an earlier record of that key (must be 0). */
  orderViolations: number
  /** Mean time a handler actually took (the 10 ms sleep plus timer lateness). */
  meanHandlerMs: number
  /** Event-loop delay while running (ms): how late timers such as the handlers' sleeps fire (Node only). */
  loopDelayP99Ms?: number
  loopDelayMaxMs?: number
  /**
   * The process's CPU time (user + system) per record from the first handler's start to the end
   * of the last record counted, in µs (Node only): the cost that the machine's load does not change.
   */
  cpuUsPerRecord?: number
}

/**
 * The commit behaviour: a consumer killed (SIGKILL, or the JVM halted) right after its
 * `killedAfter`-th handler finished, then a new member of the same group reading on. `redelivered`
 * is how many records whose handler had finished were handled again.
 */
export interface PoolKill {
  client: Extract<PoolClient, 'kafkit' | 'parallel-consumer'>
  records: number
  partitions: number
  concurrency: number
  killedAfter: number
  redelivered: number
  /** How often each client commits: kafkit's commitInterval, Parallel Consumer's commitInterval. */
  commitIntervalMs: number
}

export interface PoolResults {
  cases: PoolCase[]
  kills: PoolKill[]
  /** Why a peer was left out of this run, if it was. */
  skipped: Partial<Record<PoolClient, string>>
}

interface PoolParams {
  topic: string
  partitions: number
  concurrency: number
  records: number
  handlerMs: number
  /** Peers only: the run ends this long after the first handler started, with the rate so far. */
  maxSeconds: number
}

type PoolRun = Omit<PoolCase, 'client' | 'keys' | 'ideal' | 'efficiency'>

export async function poolScenario(ctx: RunContext): Promise<PoolResults> {
  const { seconds, handlerMs, keys, concurrency, partitions, maxRecords, peerSeconds, kill } = ctx.profile.pool
  const skipped: PoolResults['skipped'] = {}
  let pcClasspath: string | undefined
  const pcReason = ctx.java ? parallelConsumerUnavailable() : 'the Java tools are off (--no-java, or no Java)'
  if (pcReason) skipped['parallel-consumer'] = pcReason
  else pcClasspath = ensureParallelConsumer(ctx.log)
  const cases: PoolCase[] = []
  for (const k of keys) {
    const ideal = (c: number) => Math.min(c, k) / (handlerMs / 1000)
    const recordsFor = (c: number) => Math.min(maxRecords, Math.round(ideal(c) * seconds))
    for (const p of partitions) {
      const topic = await ctx.topic(`pool-${k}k-${p}p`, p)
      // Distinct records (sequence numbers per key) so that per-key order can be checked.
      await prefill(ctx, { topic, records: Math.max(...concurrency.map(recordsFor)), keys: k, unique: true })
      for (const c of concurrency) {
        const params: PoolParams = {
          topic,
          partitions: p,
          concurrency: c,
          records: recordsFor(c),
          handlerMs,
          maxSeconds: peerSeconds,
        }
        const runs: [PoolClient, () => Promise<PoolRun>][] = [
          ['kafkit', () => ctx.child<PoolRun>('pool.run', params)],
          ['kafkajs', () => ctx.child<PoolRun>('pool.kafkajs', params, { timeoutMs: (peerSeconds + 120) * 1000 })],
        ]
        if (pcClasspath) runs.splice(1, 0, ['parallel-consumer', () => parallelConsumer(ctx, pcClasspath, params)])
        for (const [client, measure] of runs) {
          const run = await measure()
          const entry: PoolCase = { client, keys: k, ...run, ideal: ideal(c), efficiency: run.msgsPerSec / ideal(c) }
          cases.push(entry)
          ctx.log(
            `pool ${k} keys ${p}p c=${c} ${client}: ${Math.round(run.msgsPerSec)}/s of ${ideal(c)} ideal (${(entry.efficiency * 100).toFixed(1)}%)${run.complete ? '' : `, ${run.records} records by the deadline`}${run.cpuUsPerRecord === undefined ? '' : `, ${run.cpuUsPerRecord.toFixed(1)} µs CPU per record`}, mean handler ${run.meanHandlerMs.toFixed(1)} ms`,
          )
        }
      }
    }
  }
  const kills = kill ? await killed(ctx, kill, handlerMs, pcClasspath) : []
  return { cases, kills, skipped }
}

/** The broker's smallest session timeout: how long a killed member stays in the group. */
const KILL_SESSION_MS = 6000
const KAFKIT_COMMIT_MS = 1000
/** Parallel Consumer 0.5.3.2's default commitInterval (PERIODIC_CONSUMER_ASYNCHRONOUS). */
const PC_COMMIT_MS = 5000

async function killed(
  ctx: RunContext,
  kill: { records: number; partitions: number; concurrency: number },
  handlerMs: number,
  pcClasspath: string | undefined,
): Promise<PoolKill[]> {
  const topic = await ctx.topic(`pool-kill-${kill.partitions}p`, kill.partitions)
  await prefill(ctx, { topic, records: kill.records, keys: 1000, unique: true })
  const killedAfter = Math.floor(kill.records / 2)
  const dir = mkdtempSync(join(tmpdir(), 'kafkit-bench-kill-'))
  const out: PoolKill[] = []
  try {
    for (const client of ['kafkit', 'parallel-consumer'] as const) {
      if (client === 'parallel-consumer' && !pcClasspath) continue
      const params: KillParams = {
        topic,
        partitions: kill.partitions,
        concurrency: kill.concurrency,
        records: kill.records,
        handlerMs,
        maxSeconds: 120,
        group: uniqueName(`bench-pool-kill-${client}`),
        journal: join(dir, `${client}.journal`),
      }
      let again: number
      if (client === 'kafkit') {
        await ctx.child('pool.killed', { ...params, haltAfter: killedAfter }).then(
          () => Promise.reject(new Error('the kafkit consumer was to be killed, and it returned')),
          (error: unknown) => {
            if (!String(error).includes('SIGKILL')) throw error
          },
        )
        again = (await ctx.child<{ handledAgain: number }>('pool.killed', { ...params, resume: true })).handledAgain
      } else {
        const base = {
          bootstrap: ctx.bootstrap,
          topic,
          group: params.group,
          concurrency: kill.concurrency,
          records: kill.records,
          handlerMs,
          maxSeconds: 120,
          journal: params.journal,
        }
        await runParallelConsumer(pcClasspath!, { ...base, haltAfter: killedAfter }).then(
          () => Promise.reject(new Error('the Parallel Consumer harness was to halt, and it returned')),
          (error: unknown) => {
            if (!String(error).includes('code 137')) throw error
          },
        )
        again = (await runParallelConsumer(pcClasspath!, { ...base, resume: true })).handledAgain
      }
      const entry: PoolKill = {
        client,
        records: kill.records,
        partitions: kill.partitions,
        concurrency: kill.concurrency,
        killedAfter,
        redelivered: again,
        commitIntervalMs: client === 'kafkit' ? KAFKIT_COMMIT_MS : PC_COMMIT_MS,
      }
      out.push(entry)
      ctx.log(`pool kill ${client}: killed after ${killedAfter} handled, ${again} handled again by the next member`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

async function parallelConsumer(ctx: RunContext, classpath: string, params: PoolParams): Promise<PoolRun> {
  const run: ParallelConsumerRun = await runParallelConsumer(classpath, {
    bootstrap: ctx.bootstrap,
    topic: params.topic,
    group: uniqueName('bench-pool-pc'),
    concurrency: params.concurrency,
    records: params.records,
    handlerMs: params.handlerMs,
    maxSeconds: params.maxSeconds,
  })
  return {
    partitions: params.partitions,
    concurrency: params.concurrency,
    records: run.records,
    complete: run.complete,
    msgsPerSec: run.msgsPerSec,
    peakConcurrency: run.peakConcurrency,
    orderViolations: run.orderViolations,
    meanHandlerMs: run.meanHandlerMs,
  }
}

// ---- child side -------------------------------------------------------------------------------

/** What every Node handler records: start and end times, handlers running at once, per-key order. */
class Meter {
  readonly #lastSeq = new Map<string, number>()
  started = 0
  finished = 0
  running = 0
  peak = 0
  violations = 0
  handlerTime = 0
  first = 0
  /** The end of the last handler counted (at most `records`), and how many were counted by then. */
  lastEnd = 0
  counted = 0
  #cpuAtFirst: NodeJS.CpuUsage | undefined
  #cpuAtLast: NodeJS.CpuUsage | undefined
  readonly #records: number

  constructor(records: number) {
    this.#records = records
  }

  begin(key: string, seq: number): number {
    const now = performance.now()
    if (this.started++ === 0) {
      this.first = now
      this.#cpuAtFirst = process.cpuUsage()
    }
    this.peak = Math.max(this.peak, ++this.running)
    if ((this.#lastSeq.get(key) ?? -1) >= seq) this.violations++
    this.#lastSeq.set(key, seq)
    return now
  }

  end(begin: number): void {
    const now = performance.now()
    this.running--
    this.handlerTime += now - begin
    if (++this.finished <= this.#records) {
      this.lastEnd = now
      this.counted = this.finished
      if (this.counted === this.#records) this.#cpuAtLast = process.cpuUsage()
    }
  }

  result(params: PoolParams, loopDelay: ReturnType<typeof monitorEventLoopDelay>, peak = this.peak): PoolRun {
    const cpu = process.cpuUsage(this.#cpuAtFirst)
    const used = this.#cpuAtLast ? this.#cpuAtLast.user + this.#cpuAtLast.system : cpu.user + cpu.system
    const since = this.#cpuAtLast && this.#cpuAtFirst ? this.#cpuAtFirst.user + this.#cpuAtFirst.system : 0
    return {
      partitions: params.partitions,
      concurrency: params.concurrency,
      records: this.counted,
      complete: this.counted === params.records,
      msgsPerSec: this.counted / ((this.lastEnd - this.first) / 1000),
      peakConcurrency: peak,
      orderViolations: this.violations,
      meanHandlerMs: this.handlerTime / this.finished,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      cpuUsPerRecord: this.counted > 0 ? (used - since) / this.counted : 0,
    }
  }
}

async function run(params: PoolParams): Promise<PoolRun> {
  const { kafkit, event } = benchKafkit(params.topic, params.partitions)
  const meter = new Meter(params.records)
  const consumer = kafkit.consumer({ group: uniqueName('bench-pool'), concurrency: params.concurrency })
  consumer.on(event, async (e) => {
    const begin = meter.begin(e.payload.user_id, e.payload.seq)
    await sleep(params.handlerMs)
    meter.end(begin)
  })
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  await consumer.start()
  loopDelay.enable()
  await reached(() => meter.finished, params.records, 300_000)
  loopDelay.disable()
  const peakConcurrency = consumer.peakConcurrency
  await kafkit.close()
  return meter.result(params, loopDelay, peakConcurrency)
}

/** Resolves when `records` were handled, or `maxSeconds` after the first handler started. */
async function finishedOrDeadline(meter: Meter, params: PoolParams): Promise<void> {
  const joinUntil = Date.now() + 120_000
  while (meter.finished < params.records) {
    if (meter.started > 0 ? performance.now() - meter.first > params.maxSeconds * 1000 : Date.now() > joinUntil) break
    await sleep(5)
  }
}

async function kafkajsRun(params: PoolParams): Promise<PoolRun> {
  const kafka = new kafkajs.Kafka({
    clientId: uniqueName('bench-pool-kafkajs'),
    brokers: brokers(),
    logLevel: kafkajs.logLevel.NOTHING,
  })
  const consumer = kafka.consumer({
    groupId: uniqueName('bench-pool-kafkajs'),
    maxWaitTimeInMs: COMMON.fetchMaxWaitMs,
    maxBytesPerPartition: COMMON.fetchMaxBytesPerPartition,
    maxBytes: COMMON.fetchMaxBytes,
  })
  const meter = new Meter(params.records)
  await consumer.connect()
  await consumer.subscribe({ topic: params.topic, fromBeginning: true })
  const loopDelay = monitorEventLoopDelay({ resolution: 1 })
  await consumer.run({
    partitionsConsumedConcurrently: params.concurrency,
    eachMessage: async ({ message }) => {
      const envelope = JSON.parse(message.value!.toString('utf8')) as { payload: { user_id: string; seq: number } }
      const begin = meter.begin(envelope.payload.user_id, envelope.payload.seq)
      await sleep(params.handlerMs)
      meter.end(begin)
    },
  })
  loopDelay.enable()
  await finishedOrDeadline(meter, params)
  loopDelay.disable()
  const result = meter.result(params, loopDelay)
  await consumer.disconnect()
  return result
}

interface KillParams extends PoolParams {
  group: string
  journal: string
  /** Kill this process (SIGKILL) once this many handlers finished. */
  haltAfter?: number
  /** A new member of the group: the journal's records are done; counts those handled again. */
  resume?: boolean
}

async function killedRun(params: KillParams): Promise<{ handledAgain: number }> {
  const { kafkit, event } = benchKafkit(params.topic, params.partitions)
  const done = new Set<number>()
  if (params.resume)
    for (const line of readFileSync(params.journal, 'utf8').split('\n')) if (line) done.add(Number(line))
  const journal = params.resume ? undefined : openSync(params.journal, 'a')
  let covered = done.size
  let again = 0
  let finished = 0
  const consumer = kafkit.consumer({
    group: params.group,
    concurrency: params.concurrency,
    commitInterval: KAFKIT_COMMIT_MS,
    sessionTimeout: KILL_SESSION_MS,
    heartbeatInterval: 1000,
  })
  consumer.on(event, async (e) => {
    await sleep(params.handlerMs)
    const seq = e.payload.seq
    // Synchronous and unbuffered: a killed process loses none of it.
    if (journal !== undefined) writeSync(journal, `${seq}\n`)
    if (++finished === params.haltAfter) process.kill(process.pid, 'SIGKILL')
    if (!params.resume) return
    if (done.has(seq)) again++
    else {
      done.add(seq)
      covered++
    }
  })
  await consumer.start()
  await reached(() => covered, params.records, params.maxSeconds * 1000)
  await kafkit.close()
  return { handledAgain: again }
}

export const tasks = { run, kafkajs: kafkajsRun, killed: killedRun }
