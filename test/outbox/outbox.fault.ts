// The outbox under faults (npm run test:outbox-faults; too long for npm test): 20,000 rows written
// in transactions (some rolled back on purpose) while two relay processes run, relays are killed
// with SIGKILL and restarted, and the database (a private PostgreSQL server) crashes and restarts.
// Kafka must hold every committed row exactly once, in order per key, and none rolled back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { z } from 'zod'
import { defineEvent, defineTopic } from 'kafkit'
import { createOutbox, pgDatabase } from 'kafkit/outbox'
import { brokers, createTopic, defer, readTopic, waitFor } from '../support/kafka.ts'
import { startPrivatePostgres } from '../support/postgres.ts'
import { startRelayChild, type RelayChild } from './child.ts'
import { recordCount } from './support.ts'

const ROWS = Number(process.env['OUTBOX_FAULT_ROWS'] ?? 20_000)
const KEYS = 50
const RELAY_KILLS = 5
const DATABASE_CRASHES = 2

type Row = { key: string; seq: number }

test('relays killed and the database crashed during 20,000 outbox writes: every committed row once, in order', async (t) => {
  const server = await startPrivatePostgres()
  defer(t, () => server.destroy())
  const topic = await createTopic(t, 'outbox-faults', { partitions: 6 })
  const Written = defineEvent({
    type: 'row.written',
    version: '1.0',
    topic: defineTopic({ name: topic, key: 'key', partitions: 6 }),
    schema: z.object({ key: z.string(), seq: z.number().int() }),
  })
  const pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 5000 })
  pool.on('error', () => undefined)
  defer(t, () => pool.end())
  const outbox = createOutbox({
    database: pgDatabase(pool),
    service: 'faults',
    client: { brokers: brokers() },
    schema: 'faults',
  })
  await outbox.migrate({ lanes: 16 })

  const relayEnv = {
    DATABASE_URL: server.url,
    OUTBOX_SCHEMA: 'faults',
    RELAY_BATCH_SIZE: '200',
    RELAY_SEND_TIMEOUT_MS: '2000',
  }
  const relays: RelayChild[] = [startRelayChild(t, relayEnv), startRelayChild(t, relayEnv)]
  await Promise.all(relays.map((r) => r.ready))

  const committed: Row[] = []
  const rolledBack: Row[] = []
  const ambiguous: Row[] = []
  const seq = new Map<string, number>()
  let attempted = 0
  let transactions = 0
  const faults: string[] = []

  // The faults, spread over the writing: relay kills and database crashes at fixed row counts.
  const schedule = [
    ...Array.from({ length: RELAY_KILLS }, (_, i) => ({
      at: ((i + 1) * ROWS) / (RELAY_KILLS + 2),
      kind: 'relay' as const,
    })),
    ...Array.from({ length: DATABASE_CRASHES }, (_, i) => ({
      at: ((i + 1.5) * ROWS) / (DATABASE_CRASHES + 2),
      kind: 'database' as const,
    })),
  ].sort((a, b) => a.at - b.at)
  const injectFault = async (kind: 'relay' | 'database') => {
    if (kind === 'relay') {
      const victim = faults.filter((f) => f === 'relay').length % relays.length
      relays[victim]!.process.kill('SIGKILL')
      await relays[victim]!.exited
      relays[victim] = startRelayChild(t, relayEnv)
      await relays[victim].ready
    } else {
      await server.crash()
      await server.start()
    }
    faults.push(kind)
  }

  // Faults run beside the writing, so that they hit transactions and relay batches mid-way.
  const running: Promise<void>[] = []
  let faulting = Promise.resolve()
  while (attempted < ROWS) {
    while (schedule.length > 0 && schedule[0]!.at <= attempted) {
      const kind = schedule.shift()!.kind
      faulting = faulting.then(() => injectFault(kind))
      running.push(faulting)
    }
    const rows: Row[] = Array.from({ length: 1 + (transactions % 4) }, (_, i) => {
      const key = `k${(attempted + i * 7) % KEYS}`
      const next = (seq.get(key) ?? 0) + 1
      seq.set(key, next)
      return { key, seq: next }
    })
    attempted += rows.length
    const rollBack = transactions++ % 10 === 9
    let client: pg.PoolClient | undefined
    let phase: 'before-commit' | 'commit' = 'before-commit'
    try {
      client = await pool.connect()
      // A checked-out client whose server dies emits 'error': without a listener that is fatal.
      if (client.listenerCount('error') === 0) client.on('error', () => undefined)
      await client.query('BEGIN')
      await outbox.publishBatch(
        client,
        rows.map((payload) => ({ event: Written, payload })),
      )
      if (rollBack) {
        await client.query('ROLLBACK')
        rolledBack.push(...rows)
        continue
      }
      phase = 'commit'
      await client.query('COMMIT')
      committed.push(...rows)
    } catch {
      // A write during a crash: before COMMIT it was rolled back; at COMMIT, nobody knows.
      if (phase === 'commit') ambiguous.push(...rows)
      else rolledBack.push(...rows)
      client?.release(true)
      client = undefined
      await waitFor(
        async () =>
          await pool.query('SELECT 1').then(
            () => true,
            () => false,
          ),
        'the database back',
        { timeoutMs: 60_000 },
      )
    } finally {
      client?.release()
    }
  }
  await Promise.all(running)
  while (schedule.length > 0) await injectFault(schedule.shift()!.kind)

  await waitFor(async () => (await outbox.stats()).pending === 0, 'the relays to drain the outbox', {
    timeoutMs: 180_000,
  })
  const total = await recordCount(topic)
  const records = await readTopic(t, topic, total, 120_000)
  const seen = records.map((r) => ({
    partition: r.partition,
    offset: r.offset,
    ...(JSON.parse(r.value.toString()) as { payload: Row }).payload,
  }))
  const name = (r: Row) => `${r.key}#${r.seq}`
  const counts = new Map<string, number>()
  for (const r of seen) counts.set(name(r), (counts.get(name(r)) ?? 0) + 1)
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([row]) => row)
  const missing = committed.filter((r) => !counts.has(name(r))).map(name)
  const resurrected = rolledBack.filter((r) => counts.has(name(r))).map(name)
  const ambiguousPresent = ambiguous.filter((r) => counts.has(name(r))).length
  console.log(
    `[faults] ${attempted} rows in ${transactions} transactions: ${committed.length} committed, ${rolledBack.length} rolled back, ` +
      `${ambiguous.length} with an unknown commit outcome (${ambiguousPresent} of them committed); faults: ${faults.join(', ')}; ` +
      `Kafka holds ${total} records`,
  )
  assert.equal(faults.length, RELAY_KILLS + DATABASE_CRASHES)
  assert.deepEqual(duplicates, [], 'no row twice')
  assert.deepEqual(missing, [], 'every committed row')
  assert.deepEqual(resurrected, [], 'no rolled-back row')
  assert.equal(total, committed.length + ambiguousPresent, 'nothing else')
  // In order per key: a key's rows sit in one partition, in the order they were committed.
  const byKey = new Map<string, { offset: bigint; seq: number }[]>()
  for (const r of seen) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r])
  for (const [key, list] of byKey) {
    const seqs = list.sort((a, b) => (a.offset < b.offset ? -1 : 1)).map((r) => r.seq)
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `order of ${key}`,
    )
    assert.equal(new Set(seen.filter((r) => r.key === key).map((r) => r.partition)).size, 1, `${key} in one partition`)
  }
})
