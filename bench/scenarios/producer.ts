// 1. Producer throughput: kafkit publishBatch and publishAsync vs raw @platformatic/kafka vs
// kafkajs vs Kafka's ProducerPerformance; 1 KiB records, acks=all, idempotent, same batching.
import { setImmediate as tick } from 'node:timers/promises'
import kafkajs from 'kafkajs'
import type { KafkitError } from 'kafkit'
import type { RunContext } from '../lib/context.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { handMadeRecord, padding, payload, type BuiltRecord } from '../lib/events.ts'
import { producerPerformance, type ProducerPerfResult } from '../lib/java.ts'
import { brokers, rawProducer, uniqueName } from '../lib/kafka.ts'
import { COMMON } from '../lib/settings.ts'
import { spread, type Spread } from '../lib/stats.ts'

export const PRODUCER_CLIENTS = ['kafkitBatch', 'kafkitAsync', 'raw', 'kafkajs'] as const
export type ProducerClient = (typeof PRODUCER_CLIENTS)[number] | 'java'

export interface ProducerParams {
  topic: string
  records: number
  warmup: number
}

export interface ProducerRun {
  records: number
  msgsPerSec: number
  failures: number
}

export interface ProducerResults {
  clients: Partial<Record<ProducerClient, Spread>>
  java: ProducerPerfResult[]
}

/** Parent side: rounds of every client in turn (interleaved, so drifting load hits all alike). */
export async function producerScenario(ctx: RunContext): Promise<ProducerResults> {
  const { records, warmup } = ctx.profile.producer
  const runs: Record<string, number[]> = {}
  const java: ProducerPerfResult[] = []
  for (let round = 0; round < ctx.profile.repeats; round++) {
    for (const client of PRODUCER_CLIENTS) {
      const topic = await ctx.topic(`produce-${client}`, COMMON.partitions)
      const run = await ctx.child<ProducerRun>(`producer.${client}`, {
        topic,
        records,
        warmup,
      } satisfies ProducerParams)
      if (run.failures > 0) throw new Error(`${client}: ${run.failures} publishes failed`)
      ;(runs[client] ??= []).push(run.msgsPerSec)
      ctx.log(`producer round ${round + 1}: ${client} ${Math.round(run.msgsPerSec)} msgs/s`)
    }
    if (ctx.java) {
      const topic = await ctx.topic('produce-java', COMMON.partitions)
      // The JVM warms up within the run: a short discarded run first, as for the Node clients.
      await producerPerformance(ctx.bootstrap, topic, warmup)
      const result = await producerPerformance(ctx.bootstrap, topic, records)
      java.push(result)
      ctx.log(`producer round ${round + 1}: java ${Math.round(result.recordsPerSec)} msgs/s`)
    }
  }
  const clients: ProducerResults['clients'] = {}
  for (const [client, values] of Object.entries(runs)) clients[client as ProducerClient] = spread(values)
  if (java.length > 0) clients.java = spread(java.map((r) => r.recordsPerSec))
  return { clients, java }
}

// ---- child side -------------------------------------------------------------------------------

const note = padding(COMMON.recordBytes)

function kafkitFor(topic: string) {
  return benchKafkit(topic, COMMON.partitions)
}

/** Runs `send(from, to)` over the warm-up records, then times the measured ones. */
async function timed(params: ProducerParams, send: (from: number, to: number) => Promise<void>): Promise<number> {
  await send(0, params.warmup)
  const started = performance.now()
  await send(params.warmup, params.warmup + params.records)
  return params.records / ((performance.now() - started) / 1000)
}

async function kafkitBatch(params: ProducerParams): Promise<ProducerRun> {
  const { kafkit, event } = kafkitFor(params.topic)
  const msgsPerSec = await timed(params, async (from, to) => {
    for (let i = from; i < to; i += COMMON.batchRecords) {
      const items = []
      for (let j = i; j < Math.min(to, i + COMMON.batchRecords); j++)
        items.push({ event, payload: payload(j, COMMON.keys, note) })
      await kafkit.publishBatch(items)
    }
  })
  await kafkit.close()
  return { records: params.records, msgsPerSec, failures: 0 }
}

async function kafkitAsync(params: ProducerParams): Promise<ProducerRun> {
  const { kafkit, event } = kafkitFor(params.topic)
  let failures = 0
  const onDelivery = (error: KafkitError | null) => {
    if (error) failures++
  }
  const msgsPerSec = await timed(params, async (from, to) => {
    for (let i = from; i < to; i++) {
      kafkit.publishAsync(event, payload(i, COMMON.keys, note), undefined, onDelivery)
      // Let the I/O run while publishing, as a service would (Java's send() loop has its I/O thread).
      if (i % 1024 === 1023) await tick()
    }
    await kafkit.producer.flush()
  })
  await kafkit.close()
  return { records: params.records, msgsPerSec, failures }
}

function messages(topic: string, from: number, to: number): (BuiltRecord & { topic: string })[] {
  const out = []
  for (let j = from; j < to; j++) out.push({ topic, ...handMadeRecord(payload(j, COMMON.keys, note)) })
  return out
}

async function raw(params: ProducerParams): Promise<ProducerRun> {
  const producer = rawProducer('bench-raw')
  const msgsPerSec = await timed(params, async (from, to) => {
    for (let i = from; i < to; i += COMMON.batchRecords) {
      await producer.send({ messages: messages(params.topic, i, Math.min(to, i + COMMON.batchRecords)) })
    }
  })
  await producer.close()
  return { records: params.records, msgsPerSec, failures: 0 }
}

async function kafkajsClient(params: ProducerParams): Promise<ProducerRun> {
  const kafka = new kafkajs.Kafka({
    clientId: uniqueName('bench-kafkajs'),
    brokers: brokers(),
    logLevel: kafkajs.logLevel.NOTHING,
  })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const msgsPerSec = await timed(params, async (from, to) => {
    for (let i = from; i < to; i += COMMON.batchRecords) {
      await producer.send({
        topic: params.topic,
        acks: -1,
        compression: kafkajs.CompressionTypes.None,
        messages: messages(params.topic, i, Math.min(to, i + COMMON.batchRecords)),
      })
    }
  })
  await producer.disconnect()
  return { records: params.records, msgsPerSec, failures: 0 }
}

export const tasks = { kafkitBatch, kafkitAsync, raw, kafkajs: kafkajsClient }
