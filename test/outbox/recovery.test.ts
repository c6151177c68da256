// The relay's recovery: a relay killed after Kafka acknowledged a batch and before it deleted the
// rows leaves an intent; the relay that takes the lanes over reads Kafka from the intent's offsets,
// deletes the rows it finds there, and sends only the rest. Two relays at once share the lanes and
// never send a row twice.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { z } from 'zod'
import { defineEvent, defineTopic, silentLogger } from 'kafkit'
import { createOutbox, OUTBOX_ROW_HEADER } from 'kafkit/outbox'
import { brokers, createTopic, defer, readTopic, waitFor } from '../support/kafka.ts'
import { startRelayChild } from './child.ts'
import { DATABASE_URL, recordCount, testDatabase } from './support.ts'

function placed(topic: string) {
  return defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic: defineTopic({ name: topic, key: 'order_id', partitions: 3 }),
    schema: z.object({ order_id: z.string(), n: z.number().int() }),
  })
}

type Placed = { id: string; payload: { order_id: string; n: number } }

function assertExactlyOnceInOrder(values: Buffer[], expected: number): void {
  const events = values.map((v) => JSON.parse(v.toString()) as Placed)
  const ids = new Set(events.map((e) => e.id))
  assert.equal(events.length, expected, 'every row once')
  assert.equal(ids.size, expected, 'no duplicates')
  const byKey = new Map<string, number[]>()
  for (const e of events) byKey.set(e.payload.order_id, [...(byKey.get(e.payload.order_id) ?? []), e.payload.n])
  for (const [key, ns] of byKey)
    assert.deepEqual(
      ns,
      [...ns].sort((a, b) => a - b),
      `order of ${key}`,
    )
}

test('a relay killed between the ack and the delete: its successor finds the batch in Kafka and does not resend it', async (t) => {
  const topic = await createTopic(t, 'outbox-crash', { partitions: 3 })
  const Placed = placed(topic)
  const { db, schema, sql } = await testDatabase(t)
  const outbox = createOutbox({ database: db, service: 'orders', client: { brokers: brokers() }, schema })
  await outbox.migrate({ lanes: 4 })
  await db.transaction(async (tx) => {
    await outbox.publishBatch(
      tx,
      Array.from({ length: 200 }, (_, n) => ({ event: Placed, payload: { order_id: `o-${n % 7}`, n } })),
    )
  })

  const crashed = startRelayChild(t, {
    DATABASE_URL,
    OUTBOX_SCHEMA: schema,
    RELAY_BATCH_SIZE: '50',
    RELAY_SEND_TIMEOUT_MS: '1000',
    KAFKIT_RELAY_CRASH_AFTER_BATCH: '1',
  })
  assert.equal(await crashed.exited, null, 'killed by SIGKILL right after the first acknowledgement')
  assert.equal((await sql(`SELECT count(*)::int AS n FROM "${schema}".kafkit_outbox`))[0]!['n'], 200, 'nothing deleted')
  const intents = await sql(`SELECT count(*)::int AS n FROM "${schema}".kafkit_outbox_lanes WHERE intent IS NOT NULL`)
  assert.ok((intents[0]!['n'] as number) > 0, 'the dead relay left its intent on the lanes it was sending from')

  const successor = outbox.relay({ logger: silentLogger(), sendTimeout: 1000, pollInterval: 200 })
  await successor.start()
  defer(t, () => successor.stop())
  await waitFor(async () => (await outbox.stats()).pending === 0, 'the outbox to drain')
  assert.equal(successor.status().recovered, 50, 'the 50 rows already in Kafka were deleted, not sent again')
  assert.equal(successor.status().relayed, 150)
  assert.equal(await recordCount(topic), 200, 'the topic holds 200 records, not 250')
  const records = await readTopic(t, topic, 200)
  assertExactlyOnceInOrder(
    records.map((r) => r.value),
    200,
  )
  assert.ok(records.every((r) => r.headers.has(OUTBOX_ROW_HEADER)))
})

test('two relays at once share the lanes and send every row once, in order per key', async (t) => {
  const topic = await createTopic(t, 'outbox-two', { partitions: 3 })
  const Placed = placed(topic)
  const { db, schema } = await testDatabase(t)
  const outbox = createOutbox({ database: db, service: 'orders', client: { brokers: brokers() }, schema })
  await outbox.migrate({ lanes: 8 })
  const options = { logger: silentLogger(), pollInterval: 100, rebalanceInterval: 200, batchSize: 20 } as const
  const relays = [outbox.relay(options), outbox.relay(options)]
  for (const relay of relays) {
    await relay.start()
    defer(t, () => relay.stop())
  }
  await waitFor(() => relays.every((r) => r.status().lanes === 4), 'the lanes shared four and four')

  const rows = 2000
  for (let n = 0; n < rows; n += 10) {
    await db.transaction(async (tx) => {
      for (let i = n; i < n + 10; i++) await outbox.publish(tx, Placed, { order_id: `o-${i % 13}`, n: i })
    })
  }
  await waitFor(async () => (await outbox.stats()).pending === 0, 'the outbox to drain')
  const [a, b] = relays.map((r) => r.status().relayed)
  assert.equal(a! + b!, rows)
  assert.ok(a! > 0 && b! > 0, `both relays sent rows (${a}, ${b})`)
  assert.equal(await recordCount(topic), rows)
  assertExactlyOnceInOrder(
    (await readTopic(t, topic, rows)).map((r) => r.value),
    rows,
  )
})

test('a relay that stops gives its lanes back clean: the next one takes them at once', async (t) => {
  const { db, schema } = await testDatabase(t)
  const outbox = createOutbox({ database: db, service: 'orders', client: { brokers: brokers() }, schema })
  await outbox.migrate({ lanes: 4 })
  const first = outbox.relay({ logger: silentLogger(), rebalanceInterval: 100 })
  await first.start()
  assert.equal(first.status().lanes, 4)
  const second = outbox.relay({ logger: silentLogger(), rebalanceInterval: 100 })
  await second.start()
  defer(t, () => second.stop())
  await waitFor(() => first.status().lanes === 2 && second.status().lanes === 2, 'two lanes each')
  await first.stop()
  await waitFor(() => second.status().lanes === 4, 'the second relay to take all four lanes')
  assert.equal(second.status().recovering, 0, 'no intent was left: nothing to recover')
})

test('a statement that hangs is bounded: the relay replaces its session and drains once the database answers', async (t) => {
  const topic = await createTopic(t, 'outbox-hang', { partitions: 1 })
  const Placed = placed(topic)
  const { db, schema } = await testDatabase(t)
  const outbox = createOutbox({ database: db, service: 'orders', client: { brokers: brokers() }, schema })
  await outbox.migrate({ lanes: 2 })
  await db.transaction((tx) => outbox.publish(tx, Placed, { order_id: 'o-1', n: 1 }))
  // Another session holds the outbox table: the relay's statements wait on its lock.
  const blocker = new pg.Client({ connectionString: DATABASE_URL })
  await blocker.connect()
  defer(t, () => blocker.end())
  await blocker.query('BEGIN')
  await blocker.query(`LOCK TABLE "${schema}".kafkit_outbox IN ACCESS EXCLUSIVE MODE`)
  const relay = outbox.relay({ logger: silentLogger(), queryTimeout: 500, pollInterval: 100, startTimeout: 5000 })
  await relay.start()
  defer(t, () => relay.stop())
  await waitFor(() => relay.status().lastError?.message.includes('not done within 500 ms') === true, 'the timeout')
  await blocker.query('ROLLBACK')
  await waitFor(async () => (await outbox.stats()).pending === 0, 'the relay to drain once the lock is gone')
  assert.equal(await recordCount(topic), 1)
})
