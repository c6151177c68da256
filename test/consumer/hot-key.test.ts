// One key that keeps failing must not hold up the others: its partition waits, the rest flow, and the
// records held stay within the consumer's budget.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { Consumer } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { brokers, defer, deleteAfter, track, uniqueName, waitFor } from '../support/kafka.ts'
import { happenedEvent } from './fixtures/happened.ts'

const MAX_IN_FLIGHT = 100

test('one key retrying with 5 s backoffs: 100 other keys on another partition keep their latency; records held stay within the budget', async (t) => {
  const name = uniqueName('hot-key')
  const { Happened, catalog } = happenedEvent(name, 2)
  deleteAfter(t, () => [name, `${name}.dlq`])
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog), { logger: silentLogger() })
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'hot-key-test', logger: silentLogger() }),
  )
  // The hot key's first record fails every attempt; 300 more of its records queue behind it.
  await producer.publishBatch(
    Array.from({ length: 301 }, (_, seq) => ({
      event: Happened,
      payload: { entity: 'hot', seq },
      options: { partition: 0 },
    })),
  )

  const latencies: number[] = []
  let hotAttempts = 0
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog,
    service: 'hot-key-svc',
    group: uniqueName('hot-key'),
    producer,
    logger: silentLogger(),
    maxInFlight: MAX_IN_FLIGHT,
    retry: { maxAttempts: 3, initialBackoffMs: 5000, maxBackoffMs: 5000, multiplier: 1 },
  })
  consumer.on(Happened, (event, ctx) => {
    if (event.payload.entity === 'hot') {
      if (event.payload.seq === 0) {
        hotAttempts++
        throw new Error('the hot key keeps failing')
      }
      return
    }
    latencies.push(Date.now() - ctx.timestamp.getTime())
  })
  defer(t, () => consumer.stop())
  let peakHeld = 0
  const sampler = setInterval(() => (peakHeld = Math.max(peakHeld, consumer.status().runners[0]?.inFlight ?? 0)), 10)
  defer(t, () => clearInterval(sampler))
  const heapBefore = process.memoryUsage().heapUsed
  await consumer.start()
  await waitFor(() => hotAttempts >= 1, 'the hot key failed once')

  // 100 other keys on partition 1, 20 records every 100 ms for 5 s, while the hot key waits.
  for (let round = 0; round < 50; round++) {
    await producer.publishBatch(
      Array.from({ length: 20 }, (_, i) => ({
        event: Happened,
        payload: { entity: `other-${(round * 20 + i) % 100}`, seq: round },
        options: { partition: 1 },
      })),
    )
    await sleep(100)
  }
  await waitFor(() => latencies.length === 1000, 'every other record handled', { timeoutMs: 60_000 })
  const sorted = [...latencies].sort((a, b) => a - b)
  const p99 = sorted[Math.floor(sorted.length * 0.99)]!
  const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024
  t.diagnostic(
    `other keys: p50 ${sorted[500]} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms; hot key attempts ${hotAttempts}; peak records held ${peakHeld} (budget ${MAX_IN_FLIGHT}); heap growth ${heapGrowth.toFixed(1)} MiB`,
  )
  assert.ok(p99 < 1000, `other keys' p99 latency ${p99} ms: they waited for the hot key`)
  assert.ok(peakHeld <= MAX_IN_FLIGHT, `peak records held ${peakHeld} over the budget ${MAX_IN_FLIGHT}`)
})
