// Producer defaults and the retry budget handed to the wire client (no broker needed).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffDelay, jitteredBackoff, resolveProducerOptions } from '../../src/producer/options.ts'

const client = { brokers: ['127.0.0.1:9092'] }

test("the defaults are txova's, plus a 30 s deadline", () => {
  const o = resolveProducerOptions({ client, service: 'svc' })
  assert.equal(o.acks, 'all')
  assert.equal(o.idempotent, true)
  assert.equal(o.compression, 'snappy')
  assert.equal(o.lingerMs, 5)
  assert.equal(o.batchSizeBytes, 16 * 1024)
  assert.equal(o.retryBackoffMs, 100)
  assert.equal(o.retryBackoffMaxMs, 1000)
  assert.equal(o.deliveryTimeoutMs, 30_000)
  assert.equal(o.retries, undefined, 'retries go on until the deadline unless capped')
  assert.equal(o.maxRecordBytes, 1024 * 1024)
  assert.equal(o.deadLetter, false)
})

test('backoff doubles from the base up to the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 40].map((n) => backoffDelay(n, 100, 1000)),
    [100, 200, 400, 800, 1000, 1000, 1000],
  )
  for (let attempt = 1; attempt < 8; attempt++) {
    const nominal = backoffDelay(attempt, 100, 1000)
    const delay = jitteredBackoff(attempt, 100, 1000)
    assert.ok(delay >= nominal * 0.8 - 1 && delay <= nominal * 1.2 + 1, `jitter within ±20 % (${delay} vs ${nominal})`)
  }
})

test('idempotence needs acks=all; zstd and the other codecs are accepted', () => {
  assert.throws(() => resolveProducerOptions({ client, service: 'svc', acks: 'leader' }), /acks/)
  assert.equal(resolveProducerOptions({ client, service: 'svc', acks: 'none', idempotent: false }).acks, 'none')
  for (const compression of ['gzip', 'lz4', 'zstd', 'none', 'snappy'] as const) {
    assert.equal(resolveProducerOptions({ client, service: 'svc', compression }).compression, compression)
  }
})
