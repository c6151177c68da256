// The PostgreSQL inbox across a consumer crash: a consumer killed after its handlings committed and
// before its offsets did gets those events again on restart; with the inbox each is acknowledged
// without calling the handler, so the business table holds every event once. The same run without
// the inbox, as a control, writes the redelivered events twice.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { createInbox } from 'kafkit/outbox'
import { brokers, createTopic, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { DATABASE_URL, testDatabase } from '../outbox/support.ts'

const child = fileURLToPath(new URL('./fixtures/inbox-consumer.ts', import.meta.url))
const EVENTS = 300
const CRASH_AT = 150

function start(t: TestContext, env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--conditions=kafkit-source', child], {
    env: { ...process.env, KAFKA_BROKERS: brokers().join(','), DATABASE_URL, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => void proc.kill('SIGKILL'))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return { proc, exited }
}

async function run(t: TestContext, inbox: boolean) {
  const topic = await createTopic(t, 'inbox-crash', { partitions: 3 })
  const { db, schema, sql } = await testDatabase(t)
  if (inbox) await createInbox({ database: db, schema }).migrate()
  else await sql(`CREATE SCHEMA "${schema}"`)
  await sql(`CREATE TABLE "${schema}".handled (event_id text NOT NULL)`)
  await rawProducer(t).send(
    Array.from({ length: EVENTS }, (_, i) =>
      envelopeRecord(topic, `k${i % 20}`, 'test.happened', '1.0', { entity: `k${i % 20}`, seq: i }),
    ),
  )
  const env = { TOPIC: topic, GROUP: uniqueName('inbox-group'), SCHEMA: schema, INBOX: inbox ? '1' : '0' }
  const crashed = start(t, { ...env, CRASH_AT: String(CRASH_AT) })
  assert.equal((await crashed.exited).signal, 'SIGKILL', 'the first consumer killed itself mid-stream')
  const counts = async () =>
    (
      await sql(`SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM "${schema}".handled`)
    )[0] as {
      total: number
      distinct: number
    }
  // Handlings running beside the one that triggered the kill may have committed too.
  assert.ok((await counts()).distinct >= CRASH_AT, 'the handlings before the kill were committed')

  const restarted = start(t, env)
  await waitFor(async () => (await counts()).distinct === EVENTS, 'every event handled', { timeoutMs: 90_000 })
  restarted.proc.kill('SIGTERM')
  assert.equal((await restarted.exited).code, 0, 'a graceful stop')
  return counts()
}

test('with the PostgreSQL inbox, events redelivered after a crash are not handled again', async (t) => {
  const { total, distinct } = await run(t, true)
  assert.deepEqual({ total, distinct }, { total: EVENTS, distinct: EVENTS })
})

test('control: without the inbox, the same crash handles the redelivered events twice', async (t) => {
  const { total, distinct } = await run(t, false)
  assert.equal(distinct, EVENTS)
  assert.ok(total > EVENTS, `duplicates without the inbox (${total - EVENTS})`)
})
