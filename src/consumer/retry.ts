// Backoff for in-process retries, and whether an error deserves one.
import { isRetryable } from '../errors.ts'
import type { RetryPolicy } from './types.ts'

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 30_000, multiplier: 2 }

/** Delay before attempt `attempt + 1`: exponential, with equal jitter in [d/2, d]. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exact = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, attempt - 1))
  return Math.round(exact / 2 + random() * (exact / 2))
}

/** The bounds of backoffDelay, for tests and docs. */
export function backoffBounds(policy: RetryPolicy, attempt: number): { min: number; max: number } {
  const exact = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, attempt - 1))
  return { min: Math.floor(exact / 2), max: Math.ceil(exact) }
}

export function shouldRetry(policy: RetryPolicy, attempt: number, error: unknown): boolean {
  return attempt < policy.maxAttempts && isRetryable(error)
}
