// Durations in config and definitions: milliseconds as a number, or "500ms", "30s", "5m", "12h", "7d".
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const match = PATTERN.exec(value.trim())
  if (!match) return /^\d+$/.test(value.trim()) ? Number(value) : undefined
  return Math.round(Number(match[1]) * UNITS[match[2]!]!)
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/**
 * An option's duration in milliseconds (`fallback` when not given). A value that is not a duration
 * adds an issue naming `path` and gives `fallback`, so that every bad option is reported together.
 */
export function durationMs(
  value: Duration | undefined,
  fallback: number,
  path: string,
  issues: { path: string; message: string }[],
): number {
  if (value === undefined) return fallback
  const ms = parseDuration(value)
  if (ms === undefined)
    issues.push({ path, message: `"${String(value)}" is not a duration (e.g. 500, "500ms", "30s", "5m")` })
  return ms ?? fallback
}
