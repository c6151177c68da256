// Producer defaults and the retry budget handed to the wire client (no broker needed).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { jitteredBackoff, resolveProducerOptions } from '../../src/producer/options.ts'

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
  assert.equal(o.maxBufferedRecords, 100_000)
  assert.equal(o.closeTimeoutMs, 5_000)
})

test('retry delays double from retryBackoffMs, ±20 %, never above retryBackoffMaxMs', () => {
  const at = (attempt: number, r: number) => jitteredBackoff(attempt, 100, 1000, () => r)
  assert.deepEqual(
    [1, 2, 3, 4, 5, 40].map((n) => at(n, 0.5)),
    [100, 200, 400, 800, 1000, 1000],
  )
  assert.deepEqual([at(1, 0), at(1, 1)], [80, 120])
  assert.deepEqual([at(4, 0), at(4, 1)], [640, 960])
  assert.deepEqual([at(5, 0), at(5, 1)], [800, 1000], 'the jitter does not go past the longest delay')
  for (let attempt = 1; attempt < 8; attempt++) {
    const delay = jitteredBackoff(attempt, 100, 1000)
    assert.ok(delay >= at(attempt, 0) && delay <= at(attempt, 1), `${delay} within the bounds of attempt ${attempt}`)
  }
})

test('idempotence needs acks=all; zstd and the other codecs are accepted', () => {
  assert.throws(() => resolveProducerOptions({ client, service: 'svc', acks: 'leader' }), /acks/)
  assert.equal(resolveProducerOptions({ client, service: 'svc', acks: 'none', idempotent: false }).acks, 'none')
  for (const compression of ['gzip', 'lz4', 'zstd', 'none', 'snappy'] as const) {
    assert.equal(resolveProducerOptions({ client, service: 'svc', compression }).compression, compression)
  }
})
