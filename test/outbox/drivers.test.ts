// The outbox and the inbox on each driver: `pg`, `postgres` (postgres.js) and embedded PGlite.
// The outbox writes, for the same event and options, the record the producer writes: value, key
// and headers byte for byte (plus the header naming the row).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, Producer, silentLogger } from 'kafkit'
import { createInbox, createOutbox, OUTBOX_ROW_HEADER } from 'kafkit/outbox'
import { brokers, createTopic, defer, readTopic, waitFor } from '../support/kafka.ts'
import { DRIVERS, testDatabase } from './support.ts'

for (const driver of DRIVERS) {
  test(`${driver}: publish in a transaction, relay, and the record is the producer's`, async (t) => {
    const topic = await createTopic(t, `outbox-${driver}`, { partitions: 2 })
    const Shipped = defineEvent({
      type: 'parcel.shipped',
      version: '2.1',
      topic: defineTopic({ name: topic, key: 'parcel_id', partitions: 2 }),
      schema: z.object({ parcel_id: z.string(), weight: z.number(), note: z.string().optional() }),
    })
    const { db, schema } = await testDatabase(t, driver)
    const client = { brokers: brokers() }
    const outbox = createOutbox({ database: db, service: 'parcels', client, schema })
    await outbox.migrate()
    const options = {
      id: '0191e5a0-0000-7000-8000-000000000001',
      timestamp: '2026-01-02T03:04:05.678Z',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: { id: 'u-1', type: 'user' as const },
      metadata: { tenant: 't-1' },
      headers: { 'x-extra': 'yes' },
    }
    const payload = { parcel_id: 'p-42', weight: 1.5, note: 'é ✓ "quoted"' }
    const entry = await db.transaction((tx) => outbox.publish(tx, Shipped, payload, options))
    assert.deepEqual(entry, { eventId: options.id, topic, key: 'p-42' })
    await assert.rejects(
      db.transaction(async (tx) => {
        await outbox.publish(tx, Shipped, { parcel_id: 'p-rolled-back', weight: 1 })
        throw new Error('rolled back')
      }),
      /rolled back/,
    )
    await assert.rejects(
      db.transaction((tx) => outbox.publish(tx, Shipped, { parcel_id: 'p-1', weight: 'heavy' } as never)),
      { code: 'KAFKIT_PAYLOAD_INVALID' },
    )
    assert.equal((await outbox.stats()).pending, 1)

    const relay = outbox.relay({ logger: silentLogger() })
    await relay.start()
    defer(t, () => relay.stop())
    await waitFor(async () => (await outbox.stats()).pending === 0, 'the relay to send the row')

    const producer = new Producer({ client, service: 'parcels', logger: silentLogger(), telemetry: false })
    defer(t, () => producer.close())
    await producer.publish(Shipped, payload, options)
    const [relayed, published] = await readTopic(t, topic, 2).then((rs) =>
      rs.sort((a, b) => Number(b.headers.has(OUTBOX_ROW_HEADER)) - Number(a.headers.has(OUTBOX_ROW_HEADER))),
    )
    assert.ok(relayed && published)
    assert.ok(relayed.value.equals(published.value), 'the value, byte for byte')
    assert.ok(relayed.key!.equals(published.key!), 'the key')
    assert.equal(relayed.partition, published.partition, 'the partition')
    const headers = new Map(relayed.headers)
    assert.match(headers.get(OUTBOX_ROW_HEADER)!, /^[0-9a-f]{32}:\d+$/)
    headers.delete(OUTBOX_ROW_HEADER)
    assert.deepEqual(headers, published.headers, 'the headers')
  })

  test(`${driver}: the inbox runs a handler once per event and group, its writes in the same transaction`, async (t) => {
    const { db, schema, sql } = await testDatabase(t, driver)
    const inbox = createInbox({ database: db, schema })
    assert.deepEqual(await inbox.migrate(), [1])
    await db.query(`CREATE TABLE "${schema}".handled (event_id text NOT NULL)`)
    const calls: string[] = []
    const handler = inbox.handle(async (event: { id: string; type: string }, _ctx, tx) => {
      calls.push(event.id)
      await db.execute(tx, `INSERT INTO "${schema}".handled VALUES ($1)`, [event.id])
      if (event.id === 'fails-once' && calls.filter((c) => c === 'fails-once').length === 1) throw new Error('boom')
    })
    const ctx = (group: string) => fakeContext(group)
    const event = (id: string) => ({ id, type: 'x.happened' }) as never
    await handler(event('e-1'), ctx('g'))
    await handler(event('e-1'), ctx('g'))
    await handler(event('e-1'), ctx('other-group'))
    await assert.rejects(handler(event('fails-once'), ctx('g')), /boom/)
    assert.equal(await inbox.has('g', 'fails-once'), false, 'a failed handling leaves no mark')
    await handler(event('fails-once'), ctx('g'))
    await handler(event('fails-once'), ctx('g'))
    assert.deepEqual(calls, ['e-1', 'e-1', 'fails-once', 'fails-once'])
    const rows = await sql(
      `SELECT event_id, count(*)::int AS n FROM "${schema}".handled GROUP BY event_id ORDER BY event_id`,
    )
    assert.deepEqual(
      rows,
      [
        { event_id: 'e-1', n: 2 },
        { event_id: 'fails-once', n: 1 },
      ],
      'the failed attempt rolled back with its mark; each group handled e-1 once',
    )
  })
}

/** The parts of a HandlerContext the inbox reads. */
function fakeContext(group: string) {
  return { group, signal: new AbortController().signal, logger: silentLogger() } as never
}
