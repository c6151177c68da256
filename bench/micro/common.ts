// What the micro-benchmarks share: their numeric flags, and a producer transport's view of one topic
// whose partitions all live on a broker that is never dialled (requests go to the script's own wire).
import type { Broker, ClusterTopicMetadata } from '@platformatic/kafka'
import type { Session } from 'node:inspector/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TransportView } from '../../src/producer/transport.ts'

/** `--name=value` from the command line, as a number. */
export const arg = (name: string, fallback: number): number =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)

/** A view of `topic` with `partitions` partitions, every one led by broker 0. */
export function offlineView(topic: string, partitions: number): TransportView {
  const metadata: ClusterTopicMetadata = {
    id: topic,
    partitions: Array.from({ length: partitions }, () => ({
      leader: 0,
      leaderEpoch: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    })),
    partitionsCount: partitions,
    lastUpdate: Date.now(),
  }
  const broker: Broker = { host: 'nowhere', port: 9092 }
  return {
    topic: (name) => (name === topic ? metadata : undefined),
    leader: () => 0,
    broker: () => broker,
    nameOf: () => 'nowhere:9092',
    addresses: ['nowhere:9092'],
    freshen: () => undefined,
    suspect: () => undefined,
    refresh: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
}

/**
 * A CPU profile of part of a run (the measured pass, not the start and warm-up), written to `file`
 * as a .cpuprofile when `stop` is called. Both are no-ops when `file` is undefined.
 */
export function partProfile(file: string | undefined): { start(): void; stop(): Promise<void> } {
  if (file === undefined) return { start() {}, stop: async () => {} }
  let started: Promise<Session> | undefined
  return {
    start() {
      started ??= (async () => {
        const inspector = await import('node:inspector/promises')
        const session = new inspector.Session()
        session.connect()
        await session.post('Profiler.enable')
        // Every 100 µs (V8's default is 1 ms): enough samples to apportion a few seconds.
        await session.post('Profiler.setSamplingInterval', { interval: 100 })
        await session.post('Profiler.start')
        return session
      })()
    },
    async stop() {
      if (!started) return
      const session = await started
      const { profile } = await session.post('Profiler.stop')
      const { writeFileSync } = await import('node:fs')
      writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    },
  }
}

/**
 * The pool micro-benchmarks' handler: a `handlerMs` timer per record, timed from the first handler's
 * start to the last record's end (with the process's CPU time over that span), a CPU profile started
 * at the `POOL_DIAG_PROFILE_FROM`-th handler when `POOL_DIAG_PROFILE` names a file.
 */
export function timedHandler(records: number, handlerMs: number) {
  const profile = partProfile(process.env['POOL_DIAG_PROFILE'])
  const profileFrom = Number(process.env['POOL_DIAG_PROFILE_FROM'] ?? 20_000)
  let first = 0
  let lastEnd = 0
  let handlerTime = 0
  let cpuAtFirst: NodeJS.CpuUsage | undefined
  let cpuAtEnd: NodeJS.CpuUsage | undefined
  const timing = {
    running: 0,
    started: 0,
    finished: 0,
    profile,
    handler: async (): Promise<void> => {
      const begin = performance.now()
      if (timing.started === profileFrom) profile.start()
      if (timing.started++ === 0) {
        first = begin
        cpuAtFirst = process.cpuUsage()
      }
      timing.running++
      await sleep(handlerMs)
      timing.running--
      const now = performance.now()
      handlerTime += now - begin
      if (++timing.finished === records) {
        lastEnd = now
        cpuAtEnd = process.cpuUsage()
      }
    },
    /** Rate, efficiency against `concurrency` handlers of `handlerMs`, mean handler time, CPU per record. */
    summary(concurrency: number) {
      const seconds = (lastEnd - first) / 1000
      const cpu = cpuAtEnd && cpuAtFirst ? cpuAtEnd.user + cpuAtEnd.system - cpuAtFirst.user - cpuAtFirst.system : 0
      const rate = records / seconds
      const ideal = Math.min(concurrency, 1000) / (handlerMs / 1000)
      return {
        rate: Math.round(rate),
        efficiency: +(rate / ideal).toFixed(3),
        meanHandlerMs: +(handlerTime / timing.finished).toFixed(2),
        cpuUsPerRecord: +(cpu / records).toFixed(1),
        cpuShare: +(cpu / 1e6 / seconds).toFixed(2),
      }
    },
  }
  return timing
}
