// The floor under the key-ordered pool's CPU per record: the raw wire client (@platformatic/kafka,
// as the bench's raw consumer uses it: a stream in object mode, JSON.parse of each value) feeding a
// minimal key-ordered dispatcher (one queue per key, at most one record of a key at a time, at most
// `concurrency` handlers) with the same 10 ms timer handler as pool-diag.ts, over a topic that
// pool-diag.ts prefilled. No decode beyond JSON.parse, no validation, no commits: what any Node
// consumer pays for the client, the timers and the promises. Measured as pool-diag.ts measures
// (CPU from the first handler's start to the last record's end, the same 1 ms sampler).
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/pool-floor.ts <topic> <records> <concurrency> [maxInFlight]
import { Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { setTimeout as sleep } from 'node:timers/promises'
import { reached } from '../lib/kafkit.ts'
import { brokers, uniqueName } from '../lib/kafka.ts'
import { partProfile } from './common.ts'

const [topic, r, c, m] = process.argv.slice(2)
if (topic === undefined) throw new Error('usage: pool-floor.ts <topic> <records> <concurrency> [maxInFlight]')
const records = Number(r ?? 100_000)
const concurrency = Number(c ?? 1000)
const maxInFlight = Number(m ?? Math.max(1000, 4 * concurrency))
const handlerMs = Number(process.env['POOL_DIAG_HANDLER_MS'] ?? 10)

interface Message {
  key: Buffer
  value: Buffer
}

const consumer = new Consumer({
  clientId: uniqueName('pool-floor'),
  groupId: uniqueName('pool-floor'),
  bootstrapBrokers: brokers(),
})
const stream = await consumer.consume({
  topics: [topic],
  autocommit: false,
  mode: MessagesStreamModes.EARLIEST,
  maxWaitTime: 500,
  maxBytesPerPartition: 256 * 1024,
  maxBytes: 1024 * 1024,
  highWaterMark: 100,
})

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

async function handler(_payload: unknown): Promise<void> {
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
}

// The dispatcher: a key's queue lives in `lanes` while it holds records; `ready` is a FIFO of keys
// with a record waiting and none running.
const lanes = new Map<string, unknown[]>()
const ready: string[] = []
let readyHead = 0
let held = 0
let paused = false

function pump(): void {
  while (running < concurrency && readyHead < ready.length) {
    const key = ready[readyHead++]!
    if (readyHead > 4096 && readyHead * 2 > ready.length) {
      ready.splice(0, readyHead)
      readyHead = 0
    }
    const queue = lanes.get(key)!
    const payload = queue.shift()
    void handler(payload).then(() => done(key))
  }
}

function done(key: string): void {
  held--
  const queue = lanes.get(key)!
  if (queue.length === 0) lanes.delete(key)
  else ready.push(key)
  if (paused && held < maxInFlight) {
    paused = false
    stream.resume()
  }
  pump()
}

stream.on('data', (message: Message) => {
  const payload: unknown = JSON.parse(message.value.toString('utf8'))
  const key = message.key.toString('utf8')
  held++
  const queue = lanes.get(key)
  if (queue === undefined) {
    lanes.set(key, [payload])
    ready.push(key)
    pump()
  } else queue.push(payload)
  if (held >= maxInFlight && !paused) {
    paused = true
    stream.pause()
  }
})

let samples = 0
let runningSum = 0
let heldSum = 0
const sampler = setInterval(() => {
  if (started === 0 || finished >= records) return
  samples++
  runningSum += running
  heldSum += held
}, 1)

await reached(() => finished, records, 300_000)
clearInterval(sampler)
await profile.stop()
await sleep(10)
await stream.close()
await consumer.close(true)
const seconds = (lastEnd - first) / 1000
const cpu = cpuAtEnd && cpuAtFirst ? cpuAtEnd.user + cpuAtEnd.system - cpuAtFirst.user - cpuAtFirst.system : 0
const rate = records / seconds
const ideal = Math.min(concurrency, 1000) / (handlerMs / 1000)
console.log(
  JSON.stringify({
    client: 'floor',
    concurrency,
    maxInFlight,
    rate: Math.round(rate),
    efficiency: +(rate / ideal).toFixed(3),
    meanHandlerMs: +(handlerTime / finished).toFixed(2),
    meanRunning: +(runningSum / samples).toFixed(1),
    meanHeld: +(heldSum / samples).toFixed(1),
    cpuUsPerRecord: +(cpu / records).toFixed(1),
    cpuShare: +(cpu / 1e6 / seconds).toFixed(2),
  }),
)
