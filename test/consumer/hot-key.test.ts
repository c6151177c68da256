// One key that keeps failing (or whose DLQ write keeps failing) must not hold up the others: its
// partition waits, the rest flow, and the records held stay within the consumer's budget.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { Consumer } from '../../src/consumer/index.ts'
import { NonRetryableError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { brokers, defer, deleteAfter, track, uniqueName, waitFor } from '../support/kafka.ts'
import { captureLogs } from '../support/logs.ts'
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
    retry: { maxAttempts: 3, initialBackoff: 5000, maxBackoff: 5000, multiplier: 1 },
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

test('a record whose DLQ write keeps failing holds up only its own key: 100 other keys on another partition flow meanwhile', async (t) => {
  const name = uniqueName('dlq-stall')
  const { Happened, catalog } = happenedEvent(name, 2)
  deleteAfter(t, () => [name, `${name}.dlq`])
  // No DLQ topic (the broker does not create topics): every DLQ write fails, at the producer's deadline.
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog, { dlq: false }), { logger: silentLogger() })
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'dlq-stall-test', logger: silentLogger() }),
  )
  const failingDlq = track(
    t,
    new Producer({
      client: { brokers: brokers() },
      service: 'dlq-stall-test',
      logger: silentLogger(),
      deliveryTimeout: 1000,
    }),
  )
  // The poison record, then 300 more records of its key behind it on partition 0.
  await producer.publishBatch(
    Array.from({ length: 301 }, (_, seq) => ({
      event: Happened,
      payload: { entity: 'poison', seq },
      options: { partition: 0 },
    })),
  )
  const logs = captureLogs('warn')
  const others = new Set<string>()
  let poisonAttempts = 0
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog,
    service: 'dlq-stall-svc',
    group: uniqueName('dlq-stall'),
    producer: failingDlq,
    logger: logs.logger,
    maxInFlight: MAX_IN_FLIGHT,
  })
  consumer.on(Happened, (event) => {
    if (event.payload.entity === 'poison') {
      if (event.payload.seq === 0) {
        poisonAttempts++
        throw new NonRetryableError('poison')
      }
      return
    }
    others.add(event.payload.entity)
  })
  defer(t, () => consumer.stop())
  await consumer.start()
  await waitFor(() => poisonAttempts === 1, 'the poison record failed')
  await waitFor(() => failedWrites() >= 1, 'its DLQ write failed', { timeoutMs: 20_000 })
  await producer.publishBatch(
    Array.from({ length: 100 }, (_, i) => ({
      event: Happened,
      payload: { entity: `other-${i}`, seq: 0 },
      options: { partition: 1 },
    })),
  )
  await waitFor(() => others.size === 100, 'the 100 other keys handled while the DLQ write keeps failing', {
    timeoutMs: 30_000,
  })
  t.diagnostic(`failed DLQ writes by the time the other keys were handled: ${failedWrites()}`)
  assert.ok(failedWrites() >= 1)

  function failedWrites(): number {
    return logs.matching('could not write the failed record away').length
  }
})
