// Probe: the outbox scenario (section 6) at a chosen rate and length, one round.
// KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/outbox-latency-probe.ts <rate> <seconds> <warmupSeconds>
import { RunContext } from '../lib/context.ts'
import { QUICK } from '../lib/settings.ts'
import { outboxScenario } from '../scenarios/outbox.ts'
import { deleteTopics } from '../lib/kafka.ts'

const [rate = 1000, seconds = 10, warmupSeconds = 2] = process.argv.slice(2).map(Number)
const profile = {
  ...QUICK,
  repeats: 1,
  latency: { ...QUICK.latency, repeats: 1 },
  outbox: { rows: 2000, rate, seconds, warmupSeconds },
}
const started = performance.now()
const ctx = new RunContext({
  profile,
  bootstrap: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  java: false,
  log: (line) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`),
})
try {
  const r = await outboxScenario(ctx)
  console.log(
    JSON.stringify({
      outbox: r.outboxEndToEnd,
      direct: r.directEndToEnd,
      writeLagMs: r.writeLagMs,
      writeCommit: r.writeCommit,
    }),
  )
} finally {
  await deleteTopics(ctx.topics).catch(() => undefined)
}
