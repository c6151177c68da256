import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  backoffBounds,
  backoffDelay,
  BASE_RETRY,
  RESTART_BACKOFF,
  shouldRetry,
  UNAVAILABLE_BACKOFF,
} from '../../src/consumer/retry.ts'
import { NonRetryableError, PayloadError } from '../../src/errors.ts'

test("the consumer's waits: equal jitter (half to all), doubling, capped at maxBackoff", () => {
  const policy = { ...BASE_RETRY, initialBackoffMs: 100, maxBackoffMs: 500 }
  assert.deepEqual(backoffBounds(policy, 1), { min: 50, max: 100 })
  assert.deepEqual(backoffBounds(policy, 2), { min: 100, max: 200 })
  assert.deepEqual(backoffBounds(policy, 10), { min: 250, max: 500 })
  assert.deepEqual(backoffBounds(UNAVAILABLE_BACKOFF, 1), { min: 250, max: 500 })
  assert.deepEqual(backoffBounds(RESTART_BACKOFF, 20), { min: 15_000, max: 30_000 })
  for (let failure = 1; failure < 10; failure++) {
    const wait = backoffDelay(policy, failure)
    const { min, max } = backoffBounds(policy, failure)
    assert.ok(wait >= min && wait <= max, `${wait} within [${min}, ${max}]`)
  }
})

test('only retryable errors are retried, and only while attempts remain', () => {
  assert.equal(shouldRetry(BASE_RETRY, 1, new Error('transient')), true)
  assert.equal(shouldRetry(BASE_RETRY, 3, new Error('transient')), false)
  assert.equal(shouldRetry(BASE_RETRY, 1, new NonRetryableError('bad input')), false)
  assert.equal(shouldRetry(BASE_RETRY, 1, new PayloadError('a.b', '1.0', [])), false)
})
