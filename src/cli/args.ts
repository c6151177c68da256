// Argument parsers of the kafkit command: each accepts exactly what its help says and rejects the
// rest with a message naming the flag, the value and an example (exit code 2). No value is guessed:
// `new Date('1')` is 2001-01-01 and `Number('')` is 0, so neither is used unguarded.
import { assertPattern } from '../catalog/pattern.ts'
import { errorMessage } from '../errors.ts'
import { parseDuration } from '../util/duration.ts'
import { usageError } from './exit.ts'

/** A whole number in [min, max], written in digits only. */
export function wholeNumber(flag: string, value: string, { min = 0, max = Number.MAX_SAFE_INTEGER, hint = '' } = {}) {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`
    throw usageError(`${flag} "${value}" must be a whole number ${range}, e.g. ${Math.max(min, 10)}${hint}`)
  }
  return parsed
}

/** An offset (64-bit, so a bigint). */
export function offsetArg(flag: string, value: string): bigint {
  if (!/^\d{1,19}$/.test(value)) throw usageError(`${flag} "${value}" must be an offset (a whole number), e.g. 42`)
  return BigInt(value)
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/** An ISO 8601 time (a date at least), or a duration ago: "15m", "2h", "7d". */
export function timeArg(flag: string, value: string, now = Date.now()): Date {
  const ago = /^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)$/.test(value.trim()) ? parseDuration(value) : undefined
  if (ago !== undefined) return new Date(now - ago)
  const parsed = ISO_TIME.test(value.trim()) ? new Date(value.trim()) : undefined
  if (!parsed || Number.isNaN(parsed.getTime())) {
    throw usageError(
      `${flag} "${value}" is not a time: use ISO 8601 (2026-01-31 or 2026-01-31T12:00:00Z) or a duration ago (30m, 2h, 7d)`,
    )
  }
  return parsed
}

/** A duration: "500ms", "30s", "5m" (a bare number is milliseconds). */
export function durationArg(flag: string, value: string, { min = 1 } = {}): number {
  const parsed = parseDuration(value)
  if (parsed === undefined || parsed < min) {
    throw usageError(`${flag} "${value}" must be a duration such as 10s, 500ms or 2m`)
  }
  return parsed
}

/** An event type or pattern ("order.created", "order.*", "*"). */
export function typeArg(flag: string, value: string): string {
  try {
    assertPattern(value)
  } catch (error) {
    throw usageError(`${flag}: ${errorMessage(error)}`)
  }
  return value
}

/** A non-empty name (group, topic, id). */
export function nameArg(flag: string, value: string): string {
  if (value.trim() === '' || value !== value.trim())
    throw usageError(`${flag} "${value}" must be a name without surrounding spaces`)
  return value
}

/** `name=value` pairs, e.g. headers. */
export function pairArg(flag: string, value: string): [string, string] {
  const at = value.indexOf('=')
  if (at <= 0) throw usageError(`${flag} "${value}" must be name=value, e.g. ${flag} tenant=acme`)
  return [value.slice(0, at), value.slice(at + 1)]
}

export function checkRange(since: Date | undefined, until: Date | undefined): void {
  if (since && until && since.getTime() > until.getTime()) {
    throw usageError(`--since (${since.toISOString()}) is after --until (${until.toISOString()}): nothing can match`)
  }
}

export function exclusive(flags: Record<string, unknown>): void {
  const given = Object.entries(flags).filter(([, v]) => v !== undefined && v !== false)
  if (given.length > 1) throw usageError(`${given.map(([k]) => k).join(' and ')} cannot be used together`)
}
