// The PostgreSQL inbox's edges: two deliveries of one event at once (two group members after a
// rebalance) run the handler once; an attempt the consumer abandoned (timeout, shutdown) rolls
// back even when its handler finishes later; outside a wrapped handler there is no transaction.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { silentLogger } from 'kafkit'
import { createInbox } from 'kafkit/outbox'
import { waitFor } from '../support/kafka.ts'
import { testDatabase } from '../outbox/support.ts'

const event = (id: string) => ({ id, type: 'x.happened' }) as never
const context = (signal = new AbortController().signal) => ({ group: 'g', signal, logger: silentLogger() }) as never

test('two deliveries of one event at once: the second waits for the first and is acknowledged', async (t) => {
  const { db, schema, sql } = await testDatabase(t)
  const inbox = createInbox({ database: db, schema })
  await inbox.migrate()
  await sql(`CREATE TABLE "${schema}".handled (event_id text NOT NULL)`)
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  let calls = 0
  const handler = inbox.handle(async (e: { id: string }, _ctx, tx) => {
    calls++
    await db.execute(tx, `INSERT INTO "${schema}".handled VALUES ($1)`, [e.id])
    await gate
  })
  const first = handler(event('e-1'), context())
  // The first holds its inbox row (uncommitted) until the gate opens.
  const locked = async () =>
    (
      await sql(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND a.query LIKE '%kafkit_inbox%'`,
      )
    )[0]!['n'] as number
  const second = handler(event('e-1'), context())
  await waitFor(async () => (await locked()) > 0, 'the second delivery to wait on the row lock')
  assert.equal(calls, 1, "the second delivery waits on the first one's row")
  release()
  await Promise.all([first, second])
  assert.equal(calls, 1)
  assert.deepEqual(await sql(`SELECT event_id FROM "${schema}".handled`), [{ event_id: 'e-1' }])
})

test('an abandoned attempt rolls back its writes and its mark', async (t) => {
  const { db, schema, sql } = await testDatabase(t)
  const inbox = createInbox({ database: db, schema })
  await inbox.migrate()
  await sql(`CREATE TABLE "${schema}".handled (event_id text NOT NULL)`)
  const controller = new AbortController()
  const handler = inbox.handle(async (e: { id: string }, _ctx, tx) => {
    await db.execute(tx, `INSERT INTO "${schema}".handled VALUES ($1)`, [e.id])
    controller.abort(new Error('handler timed out'))
  })
  await assert.rejects(handler(event('e-1'), context(controller.signal)), /timed out/)
  assert.equal(await inbox.has('g', 'e-1'), false)
  assert.deepEqual(await sql(`SELECT event_id FROM "${schema}".handled`), [])
  assert.throws(() => inbox.transaction(context()), { code: 'KAFKIT_CONSUMER_STATE' })
})
