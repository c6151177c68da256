// 2. Consumer throughput from a backlog: kafkit with a no-op handler (decode, validate envelope and
// payload, route) vs raw @platformatic/kafka with JSON.parse vs kafkajs with JSON.parse vs Kafka's
// ConsumerPerformance. Node figures run from the first record to the last (group join excluded),
// as ConsumerPerformance's fetch.* columns do.
import kafkajs from 'kafkajs'
import type { RunContext } from '../lib/context.ts'
import { consumerPerformance, type ConsumerPerfResult } from '../lib/java.ts'
import { brokers, rawConsumerStream, uniqueName } from '../lib/kafka.ts'
import { benchKafkit, reached } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { spread, type Spread } from '../lib/stats.ts'
import { prefill } from './prefill.ts'

export const CONSUMER_CLIENTS = ['kafkit', 'kafkitBatch', 'raw', 'kafkajs'] as const
export type ConsumerClient = (typeof CONSUMER_CLIENTS)[number] | 'java'

export interface ConsumerParams {
  topic: string
  records: number
  warmup: number
}

export interface ConsumerRun {
  records: number
  msgsPerSec: number
  /** Process CPU time (user + system) per record over the measured records, in µs. */
  cpuUsPerRecord: number
}

export interface ConsumerResults {
  records: number
  clients: Partial<Record<ConsumerClient, Spread>>
  /**
   * CPU µs per record of each Node client. On a shared machine a client's throughput follows the
   * CPU share it gets; its CPU time per record does not, so the ratio of these holds under load.
   */
  cpu: Partial<Record<ConsumerClient, Spread>>
  java: ConsumerPerfResult[]
}

export async function consumerScenario(ctx: RunContext): Promise<ConsumerResults> {
  const { records, warmup } = ctx.profile.consumer
  const topic = await ctx.topic('consume', COMMON.partitions)
  await prefill(ctx, { topic, records, keys: COMMON.keys, unique: false })
  const runs: Record<string, number[]> = {}
  const cpu: Record<string, number[]> = {}
  const java: ConsumerPerfResult[] = []
  for (let round = 0; round < ctx.profile.repeats; round++) {
    for (const client of CONSUMER_CLIENTS) {
      const run = await ctx.child<ConsumerRun>(`consumer.${client}`, {
        topic,
        records,
        warmup,
      } satisfies ConsumerParams)
      ;(runs[client] ??= []).push(run.msgsPerSec)
      ;(cpu[client] ??= []).push(run.cpuUsPerRecord)
      ctx.log(
        `consumer round ${round + 1}: ${client} ${Math.round(run.msgsPerSec)} msgs/s, ${run.cpuUsPerRecord.toFixed(1)} µs CPU per record`,
      )
    }
    if (ctx.java) {
      const result = await consumerPerformance(ctx.bootstrap, topic, records, uniqueName('bench-java'))
      java.push(result)
      ctx.log(`consumer round ${round + 1}: java ${Math.round(result.fetchMsgsPerSec)} msgs/s (fetch)`)
    }
  }
  const clients: ConsumerResults['clients'] = {}
  for (const [client, values] of Object.entries(runs)) clients[client as ConsumerClient] = spread(values)
  if (java.length > 0) clients.java = spread(java.map((r) => r.fetchMsgsPerSec))
  const cpuSpreads: ConsumerResults['cpu'] = {}
  for (const [client, values] of Object.entries(cpu)) cpuSpreads[client as ConsumerClient] = spread(values)
  return { records, clients, cpu: cpuSpreads, java }
}

// ---- child side -------------------------------------------------------------------------------

/** Counts records and notes when (and at what process CPU time) the first and the target-th arrived. */
class Counter {
  count = 0
  first = 0
  last = 0
  cpuFirst: NodeJS.CpuUsage = { user: 0, system: 0 }
  cpuLast: NodeJS.CpuUsage = { user: 0, system: 0 }
  readonly target: number

  constructor(target: number) {
    this.target = target
  }

  hit(): void {
    if (this.count === 0) this.#started()
    if (++this.count === this.target) this.#reached()
  }

  #started(): void {
    this.first = performance.now()
    this.cpuFirst = process.cpuUsage()
  }

  #reached(): void {
    this.last = performance.now()
    this.cpuLast = process.cpuUsage()
  }

  /** `n` records at once (a batch handler); the last instant counts when the target is crossed. */
  hitMany(n: number): void {
    if (this.count === 0) this.#started()
    const before = this.count
    this.count += n
    if (before < this.target && this.count >= this.target) this.#reached()
  }

  rate(): number {
    return (this.target - 1) / ((this.last - this.first) / 1000)
  }

  cpuPerRecord(): number {
    const used = this.cpuLast.user - this.cpuFirst.user + this.cpuLast.system - this.cpuFirst.system
    return used / this.target
  }
}

/** A warm-up pass over the first records, then the measured pass over all of them (new groups). */
async function passes(params: ConsumerParams, pass: (counter: Counter) => Promise<void>): Promise<ConsumerRun> {
  await pass(new Counter(params.warmup))
  const counter = new Counter(params.records)
  await pass(counter)
  return { records: params.records, msgsPerSec: counter.rate(), cpuUsPerRecord: counter.cpuPerRecord() }
}

const PASS_TIMEOUT_MS = 240_000

async function kafkit(params: ConsumerParams): Promise<ConsumerRun> {
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  const run = await passes(params, async (counter) => {
    const consumer = kafkit.consumer({ group: uniqueName('bench-kafkit'), maxPollRecords: COMMON.maxPollRecords })
    consumer.on(event, () => counter.hit())
    await consumer.start()
    await reached(() => counter.count, counter.target, PASS_TIMEOUT_MS)
    await consumer.close()
  })
  await kafkit.close()
  return run
}

/**
 * The same pass with a batch handler and onBatch's default options (up to 100 records of one
 * partition per call, 100 ms maxWait): what a user who does not tune it gets. (The bench used 500
 * until 2026-12-03; three partitions' open batches of 500 then filled the 1,000-record pool.)
 */

async function kafkitBatch(params: ConsumerParams): Promise<ConsumerRun> {
  const { kafkit, event } = benchKafkit(params.topic, COMMON.partitions)
  const run = await passes(params, async (counter) => {
    const consumer = kafkit.consumer({ group: uniqueName('bench-kafkit'), maxPollRecords: COMMON.maxPollRecords })
    consumer.onBatch(event, (events) => counter.hitMany(events.length))
    await consumer.start()
    await reached(() => counter.count, counter.target, PASS_TIMEOUT_MS)
    await consumer.close()
  })
  await kafkit.close()
  return run
}

async function raw(params: ConsumerParams): Promise<ConsumerRun> {
  return passes(params, async (counter) => {
    const { consumer, stream } = await rawConsumerStream('bench-raw', params.topic)
    stream.on('data', (message: { value: Buffer }) => {
      JSON.parse(message.value.toString('utf8'))
      counter.hit()
    })
    await reached(() => counter.count, counter.target, PASS_TIMEOUT_MS)
    await stream.close()
    await consumer.close(true)
  })
}

async function kafkajsClient(params: ConsumerParams): Promise<ConsumerRun> {
  const kafka = new kafkajs.Kafka({
    clientId: uniqueName('bench-kafkajs'),
    brokers: brokers(),
    logLevel: kafkajs.logLevel.NOTHING,
  })
  return passes(params, async (counter) => {
    const consumer = kafka.consumer({
      groupId: uniqueName('bench-kafkajs'),
      maxWaitTimeInMs: COMMON.fetchMaxWaitMs,
      maxBytesPerPartition: COMMON.fetchMaxBytesPerPartition,
      maxBytes: COMMON.fetchMaxBytes,
    })
    await consumer.connect()
    await consumer.subscribe({ topic: params.topic, fromBeginning: true })
    await consumer.run({
      autoCommitInterval: 1000,
      eachMessage: ({ message }) => {
        JSON.parse(message.value!.toString('utf8'))
        counter.hit()
        return Promise.resolve()
      },
    })
    await reached(() => counter.count, counter.target, PASS_TIMEOUT_MS)
    await consumer.disconnect()
  })
}

export const tasks = { kafkit, kafkitBatch, raw, kafkajs: kafkajsClient }
