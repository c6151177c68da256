// Per-key order under concurrency, and real overlap between keys.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { Consumer } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, uniqueName, waitFor, defer } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

const EVENTS = 10_000
const KEYS = 600
const PARTITIONS = 6
const CONCURRENCY = 32

test('per-key order holds at concurrency 32 over 10,000 events, and different keys overlap', async (t) => {
  const topicName = await createTopic(t, 'ordering', { partitions: PARTITIONS })
  const { Happened, catalog } = happenedEvent(topicName, PARTITIONS)

  const records = Array.from({ length: EVENTS }, (_, i) => {
    const entity = `k${i % KEYS}`
    return envelopeRecord(topicName, entity, 'test.happened', '1.0', { entity, seq: Math.floor(i / KEYS) })
  })
  await rawProducer(t).send(records)

  const lastSeq = new Map<string, number>()
  const violations: string[] = []
  let handled = 0
  let running = 0
  let peak = 0
  let busyMs = 0
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog,
    service: uniqueName('ordering-svc'),
    logger: silentLogger(),
    concurrency: CONCURRENCY,
  })
  consumer.on(Happened, async (event) => {
    running++
    peak = Math.max(peak, running)
    const started = performance.now()
    const { entity, seq } = event.payload
    const previous = lastSeq.get(entity) ?? -1
    if (seq !== previous + 1) violations.push(`${entity}: ${previous} then ${seq}`)
    await sleep(Math.random() * 5)
    lastSeq.set(entity, seq)
    busyMs += performance.now() - started
    running--
    handled++
  })
  defer(t, () => consumer.stop())
  const started = performance.now()
  await consumer.start()
  await waitFor(() => handled >= EVENTS, `${EVENTS} events handled`, { timeoutMs: 120_000 })
  const elapsed = performance.now() - started

  assert.deepEqual(violations, [], 'no key saw its events out of order or twice')
  // Every key reached the last sequence number it was given.
  const expectedLast = new Map<string, number>()
  for (let i = 0; i < EVENTS; i++) expectedLast.set(`k${i % KEYS}`, Math.floor(i / KEYS))
  assert.deepEqual(lastSeq, expectedLast)
  // Overlap: several handlers ran at once, and the handler time far exceeds the wall time.
  const parallelism = busyMs / elapsed
  t.diagnostic(
    `peak concurrent handlers ${peak}, mean parallelism ${parallelism.toFixed(1)} over ${elapsed.toFixed(0)} ms`,
  )
  assert.ok(peak >= CONCURRENCY / 2, `peak concurrency ${peak} should approach ${CONCURRENCY}`)
  assert.ok(parallelism > 4, `mean parallelism ${parallelism.toFixed(1)} shows handlers overlapping`)
})
