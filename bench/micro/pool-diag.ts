// Where the key-ordered pool loses at high concurrency: one kafkit consumer with 10 ms handlers over
// a prefilled topic (the pool scenario's records), sampling every millisecond how many handlers run
// and how many records the pool holds, with the process's CPU time per record.
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/pool-diag.ts prefill <records> [partitions]
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/pool-diag.ts run <topic> <partitions> <records> <concurrency> [maxInFlight]
// POOL_DIAG_PROFILE=<file.cpuprofile> profiles the pass from the POOL_DIAG_PROFILE_FROM-th handler (20,000)
// to the last record (bench/micro/pool-profile.ts apportions it); bench/micro/pool-floor.ts is the floor.
import { setTimeout as sleep } from 'node:timers/promises'
import { benchKafkit, reached } from '../lib/kafkit.ts'
import { createTopic, uniqueName } from '../lib/kafka.ts'
import { tasks as prefillTasks } from '../scenarios/prefill.ts'
import { partProfile } from './common.ts'

const [mode, ...args] = process.argv.slice(2)

if (mode === 'prefill') {
  const records = Number(args[0] ?? 100_000)
  const partitions = Number(args[1] ?? 6)
  const topic = await createTopic('pool-diag', partitions)
  await prefillTasks.run({ topic, records, keys: 1000, unique: true })
  console.log(topic)
} else if (mode === 'run') {
  const [topic, p, r, c, m] = args
  const partitions = Number(p)
  const records = Number(r)
  const concurrency = Number(c)
  const { kafkit, event } = benchKafkit(topic!, partitions)
  const consumer = kafkit.consumer({
    group: uniqueName('pool-diag'),
    concurrency,
    ...(m !== undefined && m !== '-' && { maxInFlight: Number(m) }),
    ...(JSON.parse(process.env['POOL_DIAG_OPTIONS'] ?? '{}') as object),
  })
  const handlerMs = Number(process.env['POOL_DIAG_HANDLER_MS'] ?? 10)
  let running = 0
  let started = 0
  let finished = 0
  let first = 0
  let lastEnd = 0
  let handlerTime = 0
  let cpuAtFirst: NodeJS.CpuUsage | undefined
  let cpuAtEnd: NodeJS.CpuUsage | undefined
  const profile = partProfile(process.env['POOL_DIAG_PROFILE'])
  const profileFrom = Number(process.env['POOL_DIAG_PROFILE_FROM'] ?? 20_000)
  consumer.on(event, async () => {
    const begin = performance.now()
    if (started === profileFrom) profile.start()
    if (started++ === 0) {
      first = begin
      cpuAtFirst = process.cpuUsage()
    }
    running++
    await sleep(handlerMs)
    running--
    const now = performance.now()
    handlerTime += now - begin
    if (++finished === records) {
      lastEnd = now
      cpuAtEnd = process.cpuUsage()
    }
  })
  // Samples: running handlers, records held, RSS.
  let samples = 0
  let runningSum = 0
  let heldSum = 0
  let maxHeld = 0
  let rssPeak = 0
  const status = () => consumer.status().runners[0]?.inFlight ?? 0
  const sampler = setInterval(() => {
    if (started === 0 || finished >= records) return
    if (samples % 10 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
    samples++
    runningSum += running
    const held = status()
    heldSum += held
    if (held > maxHeld) maxHeld = held
  }, 1)
  await consumer.start()
  await reached(() => finished, records, 300_000)
  clearInterval(sampler)
  await profile.stop()
  await sleep(10)
  await kafkit.close()
  const seconds = (lastEnd - first) / 1000
  const cpu = cpuAtEnd && cpuAtFirst ? cpuAtEnd.user + cpuAtEnd.system - cpuAtFirst.user - cpuAtFirst.system : 0
  const rate = records / seconds
  const ideal = Math.min(concurrency, 1000) / (handlerMs / 1000)
  console.log(
    JSON.stringify({
      concurrency,
      maxInFlight: m ?? 'default',
      rate: Math.round(rate),
      efficiency: +(rate / ideal).toFixed(3),
      meanHandlerMs: +(handlerTime / finished).toFixed(2),
      meanRunning: +(runningSum / samples).toFixed(1),
      meanHeld: +(heldSum / samples).toFixed(1),
      maxHeld,
      cpuUsPerRecord: +(cpu / records).toFixed(1),
      cpuShare: +(cpu / 1e6 / seconds).toFixed(2),
      rssPeakMB: Math.round(rssPeak / 1e6),
    }),
  )
} else {
  throw new Error(
    'usage: pool-diag.ts prefill <records> [partitions] | run <topic> <partitions> <records> <concurrency> [maxInFlight]',
  )
}
