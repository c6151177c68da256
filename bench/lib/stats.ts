// Medians, spreads and latency histograms (HDR, microsecond resolution, 3 significant digits).
import { build, type Histogram } from 'hdr-histogram-js'

export interface Spread {
  median: number
  min: number
  max: number
  runs: number[]
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function spread(runs: readonly number[]): Spread {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] }
}

export function ratio(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined || !(b > 0) ? NaN : a / b
}

/** Latency in microseconds, from 1 µs to 10 minutes. */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 })
}

/** Percentiles in milliseconds. */
export interface LatencySummary {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number) => us / 1000
  return {
    count: h.totalCount,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  }
}

/** Median of each field over several runs. */
export function medianSummary(runs: readonly LatencySummary[]): LatencySummary {
  const pick = (field: keyof LatencySummary) => median(runs.map((r) => r[field]))
  return {
    count: pick('count'),
    mean: pick('mean'),
    p50: pick('p50'),
    p90: pick('p90'),
    p99: pick('p99'),
    p999: pick('p999'),
    max: pick('max'),
  }
}
