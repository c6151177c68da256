import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffBounds, backoffDelay, BASE_RETRY } from '../../src/consumer/retry.ts'
import { NonRetryableError, PayloadError } from '../../src/errors.ts'
import { shouldRetry } from '../../src/consumer/retry.ts'

test('backoff doubles per attempt with equal jitter, capped', () => {
  const policy = { ...BASE_RETRY, initialBackoffMs: 100, maxBackoffMs: 500 }
  assert.equal(
    backoffDelay(policy, 1, () => 0),
    50,
  )
  assert.equal(
    backoffDelay(policy, 1, () => 1),
    100,
  )
  assert.equal(
    backoffDelay(policy, 2, () => 1),
    200,
  )
  assert.equal(
    backoffDelay(policy, 3, () => 0.5),
    300,
  )
  assert.equal(
    backoffDelay(policy, 10, () => 1),
    500,
    'capped at maxBackoffMs',
  )
  assert.deepEqual(backoffBounds(policy, 2), { min: 100, max: 200 })
})

test('only retryable errors are retried, and only while attempts remain', () => {
  assert.equal(shouldRetry(BASE_RETRY, 1, new Error('transient')), true)
  assert.equal(shouldRetry(BASE_RETRY, 3, new Error('transient')), false)
  assert.equal(shouldRetry(BASE_RETRY, 1, new NonRetryableError('bad input')), false)
  assert.equal(shouldRetry(BASE_RETRY, 1, new PayloadError('a.b', '1.0', [])), false)
})
