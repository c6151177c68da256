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
import { timedHandler } from './common.ts'

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
  const timing = timedHandler(records, handlerMs)
  consumer.on(event, timing.handler)
  // Samples: running handlers, records held, RSS.
  let samples = 0
  let runningSum = 0
  let heldSum = 0
  let maxHeld = 0
  let rssPeak = 0
  const status = () => consumer.status().runners[0]?.inFlight ?? 0
  const sampler = setInterval(() => {
    if (timing.started === 0 || timing.finished >= records) return
    if (samples % 10 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
    samples++
    runningSum += timing.running
    const held = status()
    heldSum += held
    if (held > maxHeld) maxHeld = held
  }, 1)
  await consumer.start()
  await reached(() => timing.finished, records, 300_000)
  clearInterval(sampler)
  await timing.profile.stop()
  await sleep(10)
  await kafkit.close()
  console.log(
    JSON.stringify({
      concurrency,
      maxInFlight: m ?? 'default',
      ...timing.summary(concurrency),
      meanRunning: +(runningSum / samples).toFixed(1),
      meanHeld: +(heldSum / samples).toFixed(1),
      maxHeld,
      rssPeakMB: Math.round(rssPeak / 1e6),
    }),
  )
} else {
  throw new Error(
    'usage: pool-diag.ts prefill <records> [partitions] | run <topic> <partitions> <records> <concurrency> [maxInFlight]',
  )
}
