// Waiting after a failure, with one formula for all of it: in-process handler retries, retrying a
// failed write to a retry topic or the DLQ, and recreating a failed group member.
import { isRetryable } from '../errors.ts'
import type { RetryPolicy } from './types.ts'

export type Backoff = Pick<RetryPolicy, 'initialBackoffMs' | 'maxBackoffMs' | 'multiplier'>

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 30_000, multiplier: 2 }

/**
 * After a failed try of what a record waits for: its write to a retry topic or the DLQ, a schema
 * registry to decode it (tried again until it succeeds or the consumer stops).
 */
export const UNAVAILABLE_BACKOFF: Backoff = { initialBackoffMs: 500, maxBackoffMs: 30_000, multiplier: 2 }

/** Before a failed group member is recreated (or its fetching restarted). */
export const RESTART_BACKOFF: Backoff = { initialBackoffMs: 500, maxBackoffMs: 30_000, multiplier: 2 }

/**
 * The wait after failure number `failure` (1, 2, …): initial × multiplier^(failure-1), capped, with
 * equal jitter (between half and all of it), so that many consumers do not retry in lockstep.
 */
export function backoffDelay(policy: Backoff, failure: number, random: () => number = Math.random): number {
  const exact = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, failure - 1))
  return Math.round(exact / 2 + random() * (exact / 2))
}

/** The shortest and longest waits backoffDelay gives, for tests and docs. */
export function backoffBounds(policy: Backoff, failure: number): { min: number; max: number } {
  return { min: backoffDelay(policy, failure, () => 0), max: backoffDelay(policy, failure, () => 1) }
}

/** Whether a failed attempt is tried again in this process. */
export function shouldRetry(policy: RetryPolicy, attempt: number, error: unknown): boolean {
  return attempt < policy.maxAttempts && isRetryable(error)
}
