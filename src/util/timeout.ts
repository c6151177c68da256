// The `timeout` option of a call (admin, DLQ and schema scans, connection checks, test waits): a
// Duration, with the former `timeoutMs` as a deprecated alias.
import { ConfigError } from '../errors.ts'
import { renamed } from './deprecated.ts'
import { parseDuration, type Duration } from './duration.ts'

export interface TimeoutOption {
  timeout?: Duration | undefined
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number | undefined
}

/** The call's bound in ms: its `timeout` (or former `timeoutMs`), else `fallback`. */
export function timeoutOf(options: TimeoutOption | undefined, fallback: number, call: string): number {
  if (options === undefined) return fallback
  const { timeout } = renamed(options, { timeoutMs: 'timeout' }, call)
  if (timeout === undefined) return fallback
  const ms = parseDuration(timeout)
  if (ms === undefined || ms <= 0) {
    const message = `"${String(timeout)}" is not a positive duration (e.g. 500, "500ms", "30s")`
    throw new ConfigError(`${call}: timeout ${message}`, [{ path: 'timeout', message }])
  }
  return ms
}
