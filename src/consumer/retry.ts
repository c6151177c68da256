// Waiting after a failure, with kafkit's one backoff formula (util/backoff.ts) and the consumer's
// equal jitter: in-process handler retries, retrying a failed write to a retry topic or the DLQ,
// and recreating a failed group member.
import { isRetryable, type ValidationIssue } from '../errors.ts'
import { renamed } from '../util/deprecated.ts'
import type { Backoff } from '../util/backoff.ts'
import { durationMs } from '../util/duration.ts'
import type { RetryPolicy } from './types.ts'

/** A retry policy as the runtime uses it: durations in ms. */
export interface ResolvedRetry {
  maxAttempts: number
  initialBackoffMs: number
  maxBackoffMs: number
  multiplier: number
}

export { backoffBounds, backoffDelay, type Backoff } from '../util/backoff.ts'

/** Retry-policy fields whose names carried their unit, and their names now. */
export const RETRY_RENAMES = { initialBackoffMs: 'initialBackoff', maxBackoffMs: 'maxBackoff' } as const

/** The consumer's retry policy unless given (durations in ms). */
export const DEFAULT_RETRY = { maxAttempts: 3, initialBackoff: 200, maxBackoff: 30_000, multiplier: 2 } as const

/** DEFAULT_RETRY as the runtime uses it. */
export const BASE_RETRY: ResolvedRetry = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 30_000, multiplier: 2 }

/**
 * `given` over `base` (the consumer's policy, or kafkit's), checked: each problem is added to
 * `issues` under `path` (`retry.maxBackoff`).
 */
export function resolveRetry(
  given: Partial<RetryPolicy> | undefined,
  issues: ValidationIssue[],
  path = 'retry',
  base: ResolvedRetry = BASE_RETRY,
): ResolvedRetry {
  if (given === undefined) return base
  const o = renamed(given, RETRY_RENAMES, 'retry')
  const retry: ResolvedRetry = {
    maxAttempts: o.maxAttempts ?? base.maxAttempts,
    initialBackoffMs: durationMs(o.initialBackoff, base.initialBackoffMs, `${path}.initialBackoff`, issues),
    maxBackoffMs: durationMs(o.maxBackoff, base.maxBackoffMs, `${path}.maxBackoff`, issues),
    multiplier: o.multiplier ?? base.multiplier,
  }
  const need = (ok: boolean, at: string, message: string) => ok || issues.push({ path: `${path}.${at}`, message })
  need(Number.isInteger(retry.maxAttempts) && retry.maxAttempts >= 1, 'maxAttempts', 'must be an integer >= 1')
  need(retry.maxBackoffMs >= retry.initialBackoffMs, 'maxBackoff', `must be >= ${path}.initialBackoff`)
  need(typeof retry.multiplier === 'number' && retry.multiplier >= 1, 'multiplier', 'must be a number >= 1')
  return retry
}

/**
 * After a failed try of what a record waits for: its write to a retry topic or the DLQ, a schema
 * registry to decode it (tried again until it succeeds or the consumer stops).
 */
export const UNAVAILABLE_BACKOFF: Backoff = { initialBackoffMs: 500, maxBackoffMs: 30_000, multiplier: 2 }

/** Before a failed group member is recreated (or its fetching restarted). */
export const RESTART_BACKOFF: Backoff = { initialBackoffMs: 500, maxBackoffMs: 30_000, multiplier: 2 }

/** Whether a failed attempt is tried again in this process. */
export function shouldRetry(policy: ResolvedRetry, attempt: number, error: unknown): boolean {
  return attempt < policy.maxAttempts && isRetryable(error)
}
