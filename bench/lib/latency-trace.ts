// What a latency child saw besides its records, for finding where a slow record's time went: its
// garbage collections and event-loop stalls, with epoch timestamps, and each measured record's due
// time and latency. Off unless KAFKIT_BENCH_LATENCY_TRACE names a folder; the task then writes one
// JSON file there (`<label>-<pid>.json`). Correlate the files with the broker's GC log
// (`-Xlog:gc` with the `timemillis` decorator, also epoch milliseconds).
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks'

const DIR = process.env['KAFKIT_BENCH_LATENCY_TRACE']
const epoch = (relative: number) => performance.timeOrigin + relative
/** A loop stall: the 5 ms probe timer ran this much later than due. */
const STALL_MS = 2
const PROBE_MS = 5

export interface LatencyTrace {
  /** One measured record: when it was due (epoch ms) and its latency (ms). */
  record(dueEpochMs: number, latencyMs: number): void
  /** Writes the file (if tracing) and stops observing. */
  finish(): void
}

const OFF: LatencyTrace = { record: () => undefined, finish: () => undefined }

export function latencyTrace(label: string): LatencyTrace {
  if (!DIR) return OFF
  const gc: [number, number, number][] = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0
      gc.push([epoch(entry.startTime), entry.duration, kind])
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  // Each stall: [epoch ms, lateness, CPU ms of the process's threads over the probe's interval,
  // that interval in ms]. CPU near the interval is the process's own work; far below it, the process
  // waited for a core.
  const stalls: [number, number, number, number][] = []
  let last = performance.now()
  let expected = last + PROBE_MS
  let cpuBefore = process.cpuUsage()
  const probe = setInterval(() => {
    const now = performance.now()
    const cpu = process.cpuUsage()
    if (now - expected > STALL_MS) {
      const cpuMs = (cpu.user - cpuBefore.user + cpu.system - cpuBefore.system) / 1000
      stalls.push([epoch(expected), now - expected, cpuMs, now - last])
    }
    cpuBefore = cpu
    last = now
    expected = now + PROBE_MS
  }, PROBE_MS)
  probe.unref()
  // Fetch requests the wire client sent (its diagnostics channel; a consumer's round trips).
  let fetches = 0
  const FETCH_STARTS = 'tracing:plt:kafka:consumer:fetches:start'
  const countFetch = () => void fetches++
  subscribe(FETCH_STARTS, countFetch)
  const cpuStart = process.cpuUsage()
  const due: number[] = []
  const latency: number[] = []
  return {
    record(dueEpochMs, latencyMs) {
      due.push(dueEpochMs)
      latency.push(latencyMs)
    },
    finish() {
      clearInterval(probe)
      delay.disable()
      observer.disconnect()
      unsubscribe(FETCH_STARTS, countFetch)
      const cpu = process.cpuUsage(cpuStart)
      const ms = (ns: number) => ns / 1e6
      const loop = {
        mean: ms(delay.mean),
        p50: ms(delay.percentile(50)),
        p99: ms(delay.percentile(99)),
        max: ms(delay.max),
      }
      writeFileSync(
        join(DIR, `${label}-${process.pid}.json`),
        JSON.stringify({
          label,
          pid: process.pid,
          cpuMs: (cpu.user + cpu.system) / 1000,
          fetches,
          loop,
          gc,
          stalls,
          due,
          latency,
        }),
      )
    },
  }
}
