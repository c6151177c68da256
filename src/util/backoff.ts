// The one formula for waiting after a failure, shared by the consumer (handler retries, retry-topic
// and DLQ writes, member restarts), the producer (metadata and leader retries), the schema registry
// client, the outbox relay and the console's Tail stream. They differ only in their numbers and in
// how much randomness they add.

/** How waits grow: initial × multiplier^(failure−1), never more than the maximum. */
export interface Backoff {
  initialBackoffMs: number
  maxBackoffMs: number
  multiplier: number
}

/**
 * Where in [exact × low, exact × high] a wait falls, at random, so that many clients failing
 * together do not retry in lockstep. The result never exceeds maxBackoffMs.
 */
export interface Jitter {
  low: number
  high: number
}

/** Between half and all of the exact wait ("equal jitter"): the consumer's. */
export const EQUAL_JITTER: Jitter = { low: 0.5, high: 1 }
/** ±20 % around the exact wait, as the Java client's retry.backoff.ms: the producer's. */
export const SPREAD_JITTER: Jitter = { low: 0.8, high: 1.2 }
/** The exact wait. */
export const NO_JITTER: Jitter = { low: 1, high: 1 }

/** The wait after failure number `failure` (1, 2, …), in whole milliseconds. */
export function backoffDelay(
  policy: Backoff,
  failure: number,
  jitter: Jitter = EQUAL_JITTER,
  random: () => number = Math.random,
): number {
  const growth = policy.multiplier ** Math.max(0, failure - 1)
  // Many failures in a row overflow the power: the wait is then simply the maximum.
  const exact = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * (Number.isFinite(growth) ? growth : 2 ** 1000))
  const factor = jitter.low + random() * (jitter.high - jitter.low)
  return Math.min(policy.maxBackoffMs, Math.round(exact * factor))
}

/** The shortest and longest waits backoffDelay gives after failure number `failure`. */
export function backoffBounds(
  policy: Backoff,
  failure: number,
  jitter: Jitter = EQUAL_JITTER,
): { min: number; max: number } {
  return { min: backoffDelay(policy, failure, jitter, () => 0), max: backoffDelay(policy, failure, jitter, () => 1) }
}
