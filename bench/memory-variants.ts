// Memory study (not part of `npm run bench`): consumer settings or V8 flags compared on one
// prefilled backlog, the variants run in turn round by round (A, B, A, B …), each in a fresh child
// from dist/ and JavaScript (as the memory scenario runs it). One JSON line per run: RSS, the heap,
// V8's young generation and the memory outside the heap at the RSS peak, and CPU µs per record.
//
//   npm run build && KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/memory-variants.ts \
//     <rounds> <seconds> <concurrency> '<variants>' [backlog]
//   variants: [{"name": "default"}, {"name": "f64k", "consumer": {"fetchMaxBytesPerPartition": 65536}},
//              {"name": "semi16", "flags": ["--max-semi-space-size=16"]}]
//   MEMORY_TOPIC=<topic> reuses a prefilled topic (kept with MEMORY_KEEP=1); MEMORY_HANDLER_MS=0 runs
//   a no-op handler flat out (CPU per record at full speed) instead of the scenario's 10 ms sleep.
import { loadavg } from 'node:os'
import { runChild } from './lib/child.ts'
import { createTopic, deleteTopics } from './lib/kafka.ts'
import { COMMON } from './lib/settings.ts'
import { jsWorker, type MemoryResult } from './scenarios/memory.ts'

interface Variant {
  name: string
  consumer?: Record<string, unknown>
  flags?: string[]
}

const [rounds = '3', seconds = '20', concurrency = '10', json = '[{"name":"default"}]', backlog = '300000'] =
  process.argv.slice(2)
const variants = JSON.parse(json) as Variant[]
const reused = process.env['MEMORY_TOPIC']
const topic = reused ?? (await createTopic('memory-study', COMMON.partitions))
if (!reused) {
  const params = { topic, records: Number(backlog), keys: COMMON.keys, unique: false }
  await runChild('prefill.run', params, { timeoutMs: 900_000 })
}
const worker = jsWorker()
const mb = (n: number) => Math.round(n)
for (let round = 0; round < Number(rounds); round++) {
  for (const v of variants) {
    const params = {
      topic,
      backlog: Number(backlog),
      seconds: Number(seconds),
      handlerMs: Number(process.env['MEMORY_HANDLER_MS'] ?? 10),
      concurrency: Number(concurrency),
      consumer: v.consumer,
    }
    const r = await runChild<MemoryResult>('memory.run', params, {
      compiled: true,
      worker,
      nodeFlags: v.flags ?? [],
      timeoutMs: (params.seconds + 120) * 1000,
    })
    const p = r.atPeak
    const line = { round, variant: v.name, c: params.concurrency, processed: r.processed, rssBefore: mb(r.rssBefore) }
    const peak = {
      rssPeak: mb(r.rssPeak),
      heapTotal: mb(p.heapTotal),
      heapUsed: mb(p.heapUsed),
      newSpace: mb(p.newSpace),
    }
    const outside = { external: mb(p.external), buffers: mb(p.buffers), heapPeak: mb(r.heapPeak) }
    const cpu = { cpuUsPerRecord: Number(r.cpuPerRecordUs.toFixed(1)), load: Number(loadavg()[0]!.toFixed(1)) }
    console.log(JSON.stringify({ ...line, ...peak, ...outside, ...cpu }))
  }
}
if (!reused && process.env['MEMORY_KEEP'] !== '1') await deleteTopics([topic])
else console.log(`topic kept: ${topic}`)
