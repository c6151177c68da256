// A consumer's CPU per record once it runs warm: one pass over a prefilled topic (the consumer
// scenario's records) with a new group, counting the process's CPU time from the (records / 5)-th
// record to the last, so that the JIT's warm-up and the young heap's first collections are left out
// (the consumer scenario counts from the first record). kafkit with the scenario's no-op handler,
// or the raw client with JSON.parse, as the scenario runs them. With a file, a CPU profile of the
// counted stretch (sampled every 50 µs; bench/micro/pool-profile.ts apportions it).
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/consume-steady.ts prefill 200000
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/consume-steady.ts kafkit|raw <topic> 200000 [profile.cpuprofile]
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { PerformanceObserver } from 'node:perf_hooks'
import { benchKafkit, reached } from '../lib/kafkit.ts'
import { createTopic, rawConsumerStream, uniqueName } from '../lib/kafka.ts'
import { COMMON } from '../lib/settings.ts'
import { tasks as prefillTasks } from '../scenarios/prefill.ts'

const [mode, topicOrCount, r, file] = process.argv.slice(2)

if (mode === 'prefill') {
  const topic = await createTopic('consume-steady', COMMON.partitions)
  await prefillTasks.run({ topic, records: Number(topicOrCount ?? 200_000), keys: COMMON.keys, unique: false })
  console.log(topic)
  process.exit(0)
}
if ((mode !== 'kafkit' && mode !== 'raw') || topicOrCount === undefined)
  throw new Error('usage: consume-steady.ts prefill <records> | kafkit|raw <topic> <records> [profile]')

const topic = topicOrCount
const records = Number(r ?? 200_000)
const from = Math.floor(records / 5)
let count = 0
let cpuFrom: NodeJS.CpuUsage | undefined
let cpuUsed = 0
let gcMs = 0
let counting = false
new PerformanceObserver((list) => {
  if (counting) for (const entry of list.getEntries()) gcMs += entry.duration
}).observe({ entryTypes: ['gc'] })
let session: Session | undefined
let profiling: Promise<unknown> | undefined

function hit(): void {
  if (++count === from) {
    if (file) {
      session = new Session()
      session.connect()
      profiling = session
        .post('Profiler.enable')
        .then(() => session!.post('Profiler.setSamplingInterval', { interval: 50 }))
        .then(() => session!.post('Profiler.start'))
    }
    counting = true
    cpuFrom = process.cpuUsage()
  } else if (count === records) {
    counting = false
    const used = process.cpuUsage(cpuFrom)
    cpuUsed = used.user + used.system
  }
}

if (mode === 'kafkit') {
  const { kafkit, event } = benchKafkit(topic, COMMON.partitions)
  const consumer = kafkit.consumer({ group: uniqueName('consume-steady'), maxPollRecords: COMMON.maxPollRecords })
  consumer.on(event, () => hit())
  await consumer.start()
  await reached(() => count, records, 240_000)
  await consumer.close()
  await kafkit.close()
} else {
  const { consumer, stream } = await rawConsumerStream('consume-steady', topic)
  stream.on('data', (message: { value: Buffer }) => {
    JSON.parse(message.value.toString('utf8'))
    hit()
  })
  await reached(() => count, records, 240_000)
  await stream.close()
  await consumer.close(true)
}
if (session) {
  await profiling
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(file!, JSON.stringify(profile))
}
const counted = records - from
console.log(
  `${mode}: ${(cpuUsed / counted).toFixed(2)} µs CPU per record over records ${from + 1}–${records}, of it GC pauses ${((gcMs * 1000) / counted).toFixed(2)} µs`,
)
process.exit(0)
