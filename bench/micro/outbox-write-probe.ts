// Probe: the outbox scenario's open-loop writer alone (one transaction per event), measuring from
// the write being due to its COMMIT returning, with and without NOTIFY.
// node --conditions=kafkit-source bench/micro/outbox-write-probe.ts <rate> <seconds> <notify|plain> [poolMax]
import pg from 'pg'
import { createOutbox, pgDatabase, type PgQueryable } from 'kafkit/outbox'
import { padding, payload } from '../lib/events.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'

const [rate = 1000, seconds = 5] = process.argv.slice(2, 4).map(Number)
const notify = process.argv[4] !== 'plain'
const poolMax = Number(process.argv[5] ?? 16)
const schema = `probe_${process.pid}`
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: poolMax })
const { event } = benchKafkit('probe-unused', COMMON.partitions)
const outbox = createOutbox({
  database: pgDatabase(pool),
  service: 'probe',
  client: { brokers: ['127.0.0.1:9092'] },
  schema,
  notify,
})
await outbox.migrate()
const db = pgDatabase(pool)
const note = padding(COMMON.recordBytes)
const total = rate * seconds
const interval = 1000 / rate
const latencies = new Array<number>(total)
const write = (seq: number) =>
  db.transaction((tx: PgQueryable) => outbox.publish(tx, event, payload(seq, COMMON.keys, note, 0)))
await write(-1)
const pending: Promise<unknown>[] = []
const start = performance.now() + 20
let startLag = 0
for (let seq = 0; seq < total; seq++) {
  const due = start + seq * interval
  const wait = due - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  startLag = Math.max(startLag, performance.now() - due)
  pending.push(write(seq).then(() => (latencies[seq] = performance.now() - due)))
}
await Promise.all(pending)
const elapsed = (performance.now() - start) / 1000
const sorted = [...latencies].sort((a, b) => a - b)
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1)
const tenth = Math.floor(total / 10)
const byTenth = Array.from({ length: 10 }, (_, i) => latencies[i * tenth]!.toFixed(0)).join(' ')
console.log(
  `rate ${rate}/s ${seconds}s notify=${notify} pool=${poolMax}: committed ${(total / elapsed).toFixed(0)}/s; due->commit p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${sorted.at(-1)!.toFixed(1)} ms; max start lag ${startLag.toFixed(1)} ms; latency at each tenth: ${byTenth}`,
)
await pool.query(`DROP SCHEMA "${schema}" CASCADE`)
await pool.end()
