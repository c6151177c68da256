// The outbox end to end against the real broker: rows written in committed transactions reach
// Kafka exactly once, in order per key, with the envelope, key and headers the producer would write;
// rolled-back rows never do; the relay wakes on NOTIFY.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, silentLogger } from 'kafkit'
import { createOutbox, OUTBOX_ROW_HEADER } from 'kafkit/outbox'
import { brokers, createTopic, defer, readTopic, waitFor } from '../support/kafka.ts'
import { testDatabase } from './support.ts'

function catalog(topic: string) {
  const orders = defineTopic({ name: topic, key: 'order_id', partitions: 3 })
  const OrderPlaced = defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic: orders,
    schema: z.object({ order_id: z.string(), n: z.number().int() }),
  })
  return { OrderPlaced }
}

test('committed rows reach Kafka once each, in order per key; rolled-back rows never', async (t) => {
  const topic = await createTopic(t, 'outbox-relay', { partitions: 3 })
  const { OrderPlaced } = catalog(topic)
  const { db, schema, sql } = await testDatabase(t)
  const client = { brokers: brokers() }
  const outbox = createOutbox({ database: db, service: 'orders', client, schema })
  assert.deepEqual(await outbox.migrate(), [1])
  assert.deepEqual(await outbox.migrate(), [], 'migrating again applies nothing')

  for (let n = 0; n < 30; n++) {
    await db.transaction(async (tx) => {
      await outbox.publish(tx, OrderPlaced, { order_id: `o-${n % 5}`, n })
    })
  }
  await assert.rejects(
    db.transaction(async (tx) => {
      await outbox.publish(tx, OrderPlaced, { order_id: 'o-rolled-back', n: -1 })
      throw new Error('the business write failed')
    }),
  )
  const relay = outbox.relay({ logger: silentLogger(), pollInterval: '10s' })
  await relay.start()
  defer(t, () => relay.stop())
  await waitFor(async () => (await outbox.stats()).pending === 0, 'the outbox to drain')
  // After the drain: a new commit wakes the relay by NOTIFY long before its 10 s poll.
  await db.transaction(async (tx) => {
    await outbox.publish(tx, OrderPlaced, { order_id: 'o-0', n: 30 })
  })
  await waitFor(async () => (await outbox.stats()).pending === 0, 'NOTIFY to wake the relay', { timeoutMs: 5000 })

  const records = await readTopic(t, topic, 31)
  const seen = records.map(
    (r) => JSON.parse(r.value.toString()) as { id: string; payload: { order_id: string; n: number } },
  )
  assert.equal(new Set(seen.map((e) => e.id)).size, 31, 'no duplicates')
  assert.ok(!seen.some((e) => e.payload.order_id === 'o-rolled-back'))
  for (const key of ['o-0', 'o-1', 'o-2', 'o-3', 'o-4']) {
    const ns = seen.filter((e) => e.payload.order_id === key).map((e) => e.payload.n)
    assert.deepEqual(
      ns,
      [...ns].sort((a, b) => a - b),
      `order of ${key}`,
    )
  }
  assert.ok(records.every((r) => r.headers.get(OUTBOX_ROW_HEADER)?.includes(':')))
  assert.equal((await sql(`SELECT count(*)::int AS n FROM "${schema}".kafkit_outbox`))[0]!['n'], 0)
  assert.equal(relay.status().relayed, 31)
})
