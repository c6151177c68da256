// CPU time per published record of kafkit (publishBatch, publishAsync) and the raw wire client, in
// one process against the broker, interleaved round by round. CPU time (process.cpuUsage) counts
// what the client itself spends per record; unlike msgs/s it hardly moves when other processes load
// the machine. Same records and settings as the producer scenario (1 KiB envelopes, 64 per call).
// KAFKA_BROKERS=127.0.0.1:9092 node --conditions=kafkit-source bench/micro/producer-cpu.ts [--rounds=7] [--records=20000]
import { setImmediate as tick } from 'node:timers/promises'
import type { KafkitError } from 'kafkit'
import { handMadeRecord, padding, payload } from '../lib/events.ts'
import { createTopic, deleteTopics, rawProducer } from '../lib/kafka.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { median } from '../lib/stats.ts'
import { arg } from './common.ts'

const ROUNDS = arg('rounds', 7)
const RECORDS = arg('records', 20_000)
const WARMUP = arg('warmup', 5_000)
const note = padding(COMMON.recordBytes)

interface Sample {
  cpuUsPerRecord: number
  msgsPerSec: number
}

type Send = (from: number, to: number) => Promise<void>

async function measure(send: Send): Promise<Sample> {
  await send(0, WARMUP)
  const cpu = process.cpuUsage()
  const started = performance.now()
  await send(WARMUP, WARMUP + RECORDS)
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { cpuUsPerRecord: (used.user + used.system) / RECORDS, msgsPerSec: RECORDS / seconds }
}

async function kafkitBatch(topic: string): Promise<Sample> {
  const { kafkit, event } = benchKafkit(topic, COMMON.partitions)
  const sample = await measure(async (from, to) => {
    for (let i = from; i < to; i += COMMON.batchRecords) {
      const items = []
      for (let j = i; j < Math.min(to, i + COMMON.batchRecords); j++)
        items.push({ event, payload: payload(j, COMMON.keys, note) })
      await kafkit.publishBatch(items)
    }
  })
  await kafkit.close()
  return sample
}

async function kafkitAsync(topic: string): Promise<Sample> {
  const { kafkit, event } = benchKafkit(topic, COMMON.partitions)
  let failures = 0
  const onDelivery = (error: KafkitError | null) => {
    if (error) failures++
  }
  const sample = await measure(async (from, to) => {
    for (let i = from; i < to; i++) {
      kafkit.publishAsync(event, payload(i, COMMON.keys, note), undefined, onDelivery)
      if (i % 1024 === 1023) await tick()
    }
    await kafkit.producer.flush()
  })
  await kafkit.close()
  if (failures > 0) throw new Error(`${failures} async publishes failed`)
  return sample
}

async function raw(topic: string): Promise<Sample> {
  const producer = rawProducer('bench-raw')
  const sample = await measure(async (from, to) => {
    for (let i = from; i < to; i += COMMON.batchRecords) {
      const messages = []
      for (let j = i; j < Math.min(to, i + COMMON.batchRecords); j++)
        messages.push({ topic, ...handMadeRecord(payload(j, COMMON.keys, note)) })
      await producer.send({ messages })
    }
  })
  await producer.close()
  return sample
}

const clients = { kafkitBatch, kafkitAsync, raw }
// --only=kafkitBatch,raw picks clients (raw is the baseline of the ratios: keep it in, except to profile one).
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',')
const chosen = Object.entries(clients).filter(([name]) => !only || only.includes(name))
const samples = new Map<string, Sample[]>()
const topics: string[] = []
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round, so that no client always runs after the same one.
    const order = chosen.map((_, i) => chosen[(i + round) % chosen.length]!)
    for (const [name, run] of order) {
      const topic = await createTopic(`cpu-${name}`, COMMON.partitions)
      topics.push(topic)
      const sample = await run(topic)
      samples.set(name, [...(samples.get(name) ?? []), sample])
      console.log(
        `round ${round + 1} ${name.padEnd(11)} ${sample.cpuUsPerRecord.toFixed(2)} µs cpu/record ${Math.round(sample.msgsPerSec)} msgs/s`,
      )
    }
  }
} finally {
  await deleteTopics(topics).catch(() => undefined)
}

const rawCpu = samples.get('raw')?.map((s) => s.cpuUsPerRecord) ?? []
console.log(
  '\nclient       cpu µs/record median [min–max]   cpu ratio raw/kafkit per round median [min–max]   msgs/s median',
)
for (const [name, list] of samples) {
  const cpu = list.map((s) => s.cpuUsPerRecord)
  const ratios = cpu.map((c, i) => rawCpu[i]! / c)
  const f = (v: number[]) => `${median(v).toFixed(2)} [${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}]`
  console.log(
    `${name.padEnd(12)} ${f(cpu).padEnd(32)} ${f(ratios).padEnd(44)} ${Math.round(median(list.map((s) => s.msgsPerSec)))}`,
  )
}
