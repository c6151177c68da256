// The floor under the key-ordered pool's CPU per record: the raw wire client (@platformatic/kafka,
// as the bench's raw consumer uses it: a stream in object mode, JSON.parse of each value) feeding a
// minimal key-ordered dispatcher (one queue per key, at most one record of a key at a time, at most
// `concurrency` handlers) with the same 10 ms timer handler as pool-diag.ts, over a topic that
// pool-diag.ts prefilled. No decode beyond JSON.parse, no validation, no commits: what any Node
// consumer pays for the client, the timers and the promises. Measured as pool-diag.ts measures
// (CPU from the first handler's start to the last record's end, the same 1 ms sampler).
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/pool-floor.ts <topic> <records> <concurrency> [maxInFlight]
import { setTimeout as sleep } from 'node:timers/promises'
import { reached } from '../lib/kafkit.ts'
import { rawConsumerStream } from '../lib/kafka.ts'
import { timedHandler } from './common.ts'

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

const { consumer, stream } = await rawConsumerStream('pool-floor', topic)
const timing = timedHandler(records, handlerMs)

// The dispatcher: a key's queue lives in `lanes` while it holds records; `ready` is a FIFO of keys
// with a record waiting and none running.
const lanes = new Map<string, unknown[]>()
const ready: string[] = []
let readyHead = 0
let held = 0
let paused = false

function pump(): void {
  while (timing.running < concurrency && readyHead < ready.length) {
    const key = ready[readyHead++]!
    if (readyHead > 4096 && readyHead * 2 > ready.length) {
      ready.splice(0, readyHead)
      readyHead = 0
    }
    const queue = lanes.get(key)!
    queue.shift()
    void timing.handler().then(() => done(key))
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
  if (timing.started === 0 || timing.finished >= records) return
  samples++
  runningSum += timing.running
  heldSum += held
}, 1)

await reached(() => timing.finished, records, 300_000)
clearInterval(sampler)
await timing.profile.stop()
await sleep(10)
await stream.close()
await consumer.close(true)
console.log(
  JSON.stringify({
    client: 'floor',
    concurrency,
    maxInFlight,
    ...timing.summary(concurrency),
    meanRunning: +(runningSum / samples).toFixed(1),
    meanHeld: +(heldSum / samples).toFixed(1),
  }),
)
