// node --conditions=kafkit-source bench/otel-overhead.ts [--records=20000] [--pairs=8] [--sdk]
// What kafkit's OpenTelemetry instrumentation costs when the application registered no SDK: the
// same work with `telemetry: false` ("off") and with the default ("no SDK": instrumented, every span
// and instrument a no-op). On a shared 2-core machine, load moves a run's figures by 20 % or more,
// far more than what is measured, so the two variants run paired in ONE process, alternating in
// ABBA order, and what is reported is the median of the paired ratios (drift cancels out):
// - publish: blocks of `publishAsync` × records then `flush()`, through two producers (off, on);
//   the CPU-bound path, where a per-record cost shows most;
// - consume: a fresh consumer group (off or on) reads the same prefilled records with a no-op
//   handler, timed from its first record handled to its last;
// - the instrumentation hooks alone, without the broker: ns per publish and per consumed record.
// With --sdk, also a run with an SDK registered (spans kept in memory, metrics never read) against
// an "off" run, each in its own process (an SDK is global to a process): for scale, not precision.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Consumer, createCatalog, Producer, silentLogger } from 'kafkit'
import { ensureKafka } from '../scripts/kafka/index.ts'
import { ConsumerTelemetry } from '../src/observability/consumer.ts'
import { ProducerTelemetry, type SettledRecord } from '../src/observability/producer.ts'
import { benchEvent, padding, payload } from './lib/events.ts'
import { brokers, createTopic, deleteTopics, uniqueName } from './lib/kafka.ts'
import { median } from './lib/stats.ts'

/** One measured block: records per second and CPU µs per record. */
interface Block {
  rate: number
  cpu: number
}
interface Paired {
  off: Block[]
  on: Block[]
}
interface HooksResult {
  publishNs: number
  consumeNs: number
}

const PARTITIONS = 6
const KEYS = 1000
const flag = (name: string, fallback: number) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.slice(name.length + 3)) : fallback
}
const log = (line: string) => console.log(`[otel-bench] ${line}`)

const note = padding(1024)
/** The ABBA order of pair i: off first in even pairs, on first in odd ones. */
const order = (i: number): [boolean, boolean] => (i % 2 === 0 ? [false, true] : [true, false])

if (process.argv[2] === '--child') await child()
else await parent()

async function parent(): Promise<void> {
  const records = flag('records', 20_000)
  const pairs = flag('pairs', 8)
  const handle = await ensureKafka({ log })
  process.env['KAFKA_BROKERS'] = handle.bootstrap
  const publishTopic = await createTopic('otel-publish', PARTITIONS)
  const consumeTopic = await createTopic('otel-consume', PARTITIONS)
  try {
    log(`prefilling ${records} records for the consume runs`)
    await runChild('prefill', [consumeTopic, String(records)])
    log(`publish: ${pairs} pairs of ${records}-record blocks, off and on alternating in one process`)
    const publish = await runChild<Paired>('publish', [publishTopic, String(records), String(pairs)])
    log(`consume: ${pairs} pairs of fresh groups reading ${records} records`)
    const consume = await runChild<Paired>('consume', [consumeTopic, String(records), String(pairs)])
    const hooks = await runChild<HooksResult>('hooks', [publishTopic])
    console.log(`\n${records} records of ~1 KiB per block, ${PARTITIONS} partitions, ${pairs} ABBA pairs\n`)
    console.log(
      '| task | off: records/s, CPU µs/rec | no SDK: records/s, CPU µs/rec | no SDK vs off: throughput, CPU (median of pairs, min–max) |',
    )
    console.log('| --- | --- | --- | --- |')
    for (const [task, result] of [
      ['publish', publish],
      ['consume', consume],
    ] as const) {
      console.log(`| ${task} | ${summary(result.off)} | ${summary(result.on)} | ${pairedChange(result)} |`)
    }
    console.log(
      `\ninstrumentation hooks alone, no SDK: ${hooks.publishNs.toFixed(0)} ns per publish, ${hooks.consumeNs.toFixed(0)} ns per consumed record`,
    )
    if (process.argv.includes('--sdk')) {
      const runs: Record<string, Block[]> = { off: [], sdk: [] }
      for (let i = 0; i < 3; i++) {
        for (const variant of i % 2 === 0 ? ['off', 'sdk'] : ['sdk', 'off']) {
          runs[variant]!.push(await runChild<Block>('single', [publishTopic, String(records), variant]))
        }
      }
      console.log(
        `with an SDK (separate processes, 3 runs each): publish ${summary(runs['sdk']!)} vs off ${summary(runs['off']!)}`,
      )
    }
  } finally {
    await deleteTopics([publishTopic, consumeTopic]).catch(() => undefined)
  }
}

function summary(blocks: Block[]): string {
  return `${Math.round(median(blocks.map((b) => b.rate)))}, ${median(blocks.map((b) => b.cpu)).toFixed(2)}`
}

function pairedChange({ off, on }: Paired): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
  const rates = on.map((b, i) => b.rate / off[i]!.rate - 1)
  const cpus = on.map((b, i) => b.cpu / off[i]!.cpu - 1)
  const range = (xs: number[]) => `${pct(Math.min(...xs))} … ${pct(Math.max(...xs))}`
  return `${pct(median(rates))} (${range(rates)}), ${pct(median(cpus))} (${range(cpus)})`
}

function runChild<R>(task: string, args: string[]): Promise<R> {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', task, ...args], {
    execArgv: ['--conditions=kafkit-source', '--disable-warning=ExperimentalWarning'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`${task} did not finish within 10 minutes`))
    }, 600_000)
    proc.on('message', (m: R) => {
      clearTimeout(timer)
      resolve(m)
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`${task} exited with ${code}`))
    })
  })
}

async function child(): Promise<void> {
  const [task, topic, records, third] = process.argv.slice(3) as [string, string, string, string]
  let result: unknown
  if (task === 'prefill') result = await publishBlock(producer(topic, false), topic, Number(records), 0)
  else if (task === 'publish') result = await pairedPublish(topic, Number(records), Number(third))
  else if (task === 'consume') result = await pairedConsume(topic, Number(records), Number(third))
  else if (task === 'hooks') result = hooks(topic)
  else {
    if (third === 'sdk') await installSdk()
    const p = producer(topic, third === 'sdk')
    await publishBlock(p, topic, 2000, 0)
    result = await publishBlock(p, topic, Number(records), 0)
    await p.close()
  }
  process.send!(result, () => process.exit(0))
}

function producer(_topic: string, telemetry: boolean): Producer {
  return new Producer({
    client: { brokers: brokers() },
    service: 'otel-bench',
    logger: silentLogger(),
    compression: 'none',
    telemetry,
  })
}

async function publishBlock(p: Producer, topic: string, records: number, from: number): Promise<Block> {
  const event = benchEvent(topic, PARTITIONS)
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = from; i < from + records; i++) p.publishAsync(event, payload(i, KEYS, note))
  await p.flush()
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { rate: records / seconds, cpu: (used.user + used.system) / records }
}

async function pairedPublish(topic: string, records: number, pairs: number): Promise<Paired> {
  const producers = { off: producer(topic, false), on: producer(topic, true) }
  for (const p of [producers.off, producers.on]) await publishBlock(p, topic, records, 0) // warm-up
  const result: Paired = { off: [], on: [] }
  let seq = records
  for (let i = 0; i < pairs; i++) {
    for (const on of order(i)) {
      const block = await publishBlock(on ? producers.on : producers.off, topic, records, seq)
      seq += records
      result[on ? 'on' : 'off'].push(block)
    }
  }
  await Promise.all([producers.off.close(), producers.on.close()])
  return result
}

async function consumeAll(topic: string, records: number, telemetry: boolean): Promise<Block> {
  const event = benchEvent(topic, PARTITIONS)
  let handled = 0
  let cpu: NodeJS.CpuUsage | undefined
  let started = 0
  const { promise, resolve } = Promise.withResolvers<Block>()
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog: createCatalog([event]),
    service: 'otel-bench',
    group: uniqueName('otel-bench'),
    logger: silentLogger(),
    concurrency: 16,
    telemetry,
    lagInterval: false,
  })
  consumer.on(event, () => {
    if (handled++ === 0) {
      cpu = process.cpuUsage()
      started = performance.now()
    }
    if (handled === records) {
      const used = process.cpuUsage(cpu)
      const seconds = (performance.now() - started) / 1000
      resolve({ rate: records / seconds, cpu: (used.user + used.system) / records })
    }
  })
  await consumer.start()
  const block = await promise
  await consumer.close()
  return block
}

async function pairedConsume(topic: string, records: number, pairs: number): Promise<Paired> {
  await consumeAll(topic, records, false) // warm-up
  await consumeAll(topic, records, true)
  const result: Paired = { off: [], on: [] }
  for (let i = 0; i < pairs; i++) {
    for (const on of order(i)) result[on ? 'on' : 'off'].push(await consumeAll(topic, records, on))
  }
  return result
}

/** The per-record telemetry calls of the producer and of a record job, in a loop, without I/O. */
function hooks(topic: string): HooksResult {
  const event = benchEvent(topic, PARTITIONS)
  const producer = new ProducerTelemetry('otel-bench', () => 0)
  const consumer = new ConsumerTelemetry('otel-bench')
  const headers = new Map([['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']])
  const consumed = { topic, partition: 1, offset: 5n, key: 'k1', headers }
  const envelope = { type: event.type, version: event.version, id: 'id', correlation_id: 'c' } as never
  const result = { topic, partition: 1, offset: 7n }
  const record: { -readonly [K in keyof SettledRecord]: SettledRecord[K] } = {
    topic,
    event,
    eventId: 'id',
    correlationId: 'c',
    keyText: 'k1',
    value: Buffer.alloc(1),
    acceptedAt: 0,
    trace: undefined,
  }
  // The calls the producer and a record job make, in the same order and with the same guards.
  const publishOnce = () => {
    record.trace = producer.startSend(topic, 1, event)
    record.acceptedAt = producer.now()
    producer.settled(record, null, result)
  }
  const consumeOnce = () => {
    const trace = consumer.startRecord(consumed, -1)
    trace?.decoded(envelope)
    const started = trace ? performance.now() : 0
    if (trace) trace.run(() => undefined)
    trace?.handlerDone(started, 'handler', undefined)
    trace?.end('handled', 1)
  }
  const time = (fn: () => void) => {
    for (let i = 0; i < 200_000; i++) fn() // warm-up
    const started = performance.now()
    for (let i = 0; i < 1_000_000; i++) fn()
    return ((performance.now() - started) * 1e6) / 1_000_000
  }
  const publishNs = time(publishOnce)
  const consumeNs = time(consumeOnce)
  producer.close()
  return { publishNs, consumeNs }
}

/** A registered SDK as an application would have: spans kept in memory, metrics never read. */
async function installSdk(): Promise<void> {
  const { context, metrics, propagation, trace } = await import('@opentelemetry/api')
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks')
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core')
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics')
  const { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } = await import('@opentelemetry/sdk-trace')
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const exporter = new InMemorySpanExporter()
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] }))
  // Drop exported spans now and then so memory does not grow with the run.
  setInterval(() => exporter.reset(), 1000).unref()
  metrics.setGlobalMeterProvider(new MeterProvider())
}
