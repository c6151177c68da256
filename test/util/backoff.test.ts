// The one backoff formula every retrying part of kafkit uses (consumer, producer, registry, outbox).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffBounds, backoffDelay, EQUAL_JITTER, NO_JITTER, SPREAD_JITTER } from '../../src/util/backoff.ts'

const policy = { initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2 }

test('waits grow by the multiplier from the initial wait, up to the maximum', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 40].map((n) => backoffDelay(policy, n, NO_JITTER)),
    [100, 200, 400, 800, 1000, 1000, 1000],
  )
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelay({ ...policy, multiplier: 3 }, n, NO_JITTER)),
    [100, 300, 900],
  )
  assert.equal(backoffDelay(policy, 0, NO_JITTER), 100, 'failure 0 counts as the first')
})

test('a failure count that overflows the power gives the maximum, never Infinity or NaN', () => {
  assert.equal(backoffDelay(policy, 5000, NO_JITTER), 1000)
  assert.equal(backoffDelay({ ...policy, initialBackoffMs: 0 }, 5000, NO_JITTER), 0)
})

test('equal jitter: between half and all of the exact wait', () => {
  assert.equal(
    backoffDelay(policy, 1, EQUAL_JITTER, () => 0),
    50,
  )
  assert.equal(
    backoffDelay(policy, 1, EQUAL_JITTER, () => 1),
    100,
  )
  assert.equal(
    backoffDelay(policy, 3, EQUAL_JITTER, () => 0.5),
    300,
  )
  assert.deepEqual(backoffBounds(policy, 2), { min: 100, max: 200 }, 'equal jitter is the default')
  assert.deepEqual(backoffBounds(policy, 10), { min: 500, max: 1000 })
})

test('spread jitter: ±20 % around the exact wait, and never above the maximum', () => {
  assert.deepEqual(backoffBounds(policy, 1, SPREAD_JITTER), { min: 80, max: 120 })
  assert.deepEqual(backoffBounds(policy, 3, SPREAD_JITTER), { min: 320, max: 480 })
  assert.deepEqual(backoffBounds(policy, 10, SPREAD_JITTER), { min: 800, max: 1000 }, 'capped after the jitter')
  for (let i = 0; i < 200; i++) {
    const wait = backoffDelay(policy, 1 + (i % 8), SPREAD_JITTER)
    const { min, max } = backoffBounds(policy, 1 + (i % 8), SPREAD_JITTER)
    assert.ok(wait >= min && wait <= max, `${wait} within [${min}, ${max}]`)
  }
})
