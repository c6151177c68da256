// The worker pool's own CPU per job, without Kafka or handlers: jobs of `keys` lanes in random key
// order, each step finishing on the next macrotask turn (so that up to `concurrency` run at once),
// through a pool with the given concurrency and maxInFlight.
//   node --conditions=kafkit-source bench/micro/pool-cost.ts [concurrency] [keys] [jobs]
import { WorkerPool, type Job, type LaneOwner } from '../../src/consumer/pool.ts'

const concurrency = Number(process.argv[2] ?? 1000)
const keys = Number(process.argv[3] ?? 1000)
const total = Number(process.argv[4] ?? 1_000_000)
const owner: LaneOwner = { stalled() {} }
const lanes = Array.from({ length: keys }, (_, i) => `0|k${i}`)
let x = 2463534242
const nextKey = () => {
  x ^= x << 13
  x ^= x >>> 17
  x ^= x << 5
  return (x >>> 0) % keys
}

let pending: (() => void)[] = []
const flush = () => {
  const batch = pending
  pending = []
  for (const resolve of batch) resolve()
}
const step = () =>
  new Promise<undefined>((resolve) => {
    if (pending.push(() => resolve(undefined)) === 1) setImmediate(flush)
  })

async function run(jobs: number): Promise<number> {
  let submitted = 0
  const pool = new WorkerPool({ concurrency, maxInFlight: Math.max(1000, 4 * concurrency), onCapacity: () => fill() })
  const fill = () => {
    while (submitted < jobs) {
      submitted++
      // A fresh lane string per job, as the runner makes one per record.
      const job: Job = { lane: `0|k${lanes[nextKey()]!.slice(3)}`, owner, step, abandon() {}, interrupt() {} }
      if (!pool.submit(job)) return
    }
  }
  const cpu = process.cpuUsage()
  fill()
  while (submitted < jobs || pool.inFlight > 0) await pool.idle()
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / jobs
}

await run(total / 5)
const results: number[] = []
for (let i = 0; i < 5; i++) results.push(await run(total))
results.sort((a, b) => a - b)
console.log(
  `concurrency ${concurrency}, ${keys} keys: ${results[2]!.toFixed(2)} µs CPU per job (median of 5, ${results[0]!.toFixed(2)}–${results[4]!.toFixed(2)})`,
)
