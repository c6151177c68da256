// node --conditions=kafkit-source bench/otel-overhead.ts [--records=50000] [--rounds=5] [--sdk]
// What kafkit's OpenTelemetry instrumentation costs when the application registered no SDK: the
// same publish and consume work with `telemetry: false` ("off") and with the default ("no SDK",
// instrumented but every span and instrument a no-op). With --sdk also with an SDK registered
// (in-memory spans, metrics collected by nobody), for scale. Each measurement runs in a child
// process of its own, variants alternate within each round, and the medians are compared:
// - publish: `publishAsync` of N records then `flush()` (the CPU-bound path, where a per-record
//   cost shows most), records/s and CPU µs per record;
// - consume: a fresh group reads N prefilled records with a no-op handler, timed from the first
//   record handled to the last, records/s and CPU µs per record;
// - and, without the broker, the instrumentation hooks alone: ns per published and per consumed
//   record (the low-noise figure: end-to-end runs on a shared 2-core box vary by several %).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Consumer, createCatalog, Producer, silentLogger } from 'kafkit'
import { ensureKafka } from '../scripts/kafka/index.ts'
import { ConsumerTelemetry } from '../src/observability/consumer.ts'
import { ProducerTelemetry, type SettledRecord } from '../src/observability/producer.ts'
import { benchEvent, padding, payload } from './lib/events.ts'
import { brokers, createTopic, deleteTopics, uniqueName } from './lib/kafka.ts'
import { median } from './lib/stats.ts'

type Variant = 'off' | 'no-sdk' | 'sdk'
type Task = 'publish' | 'consume' | 'hooks'
interface Measurement {
  seconds: number
  cpuMicros: number
  publishNs?: number
  consumeNs?: number
}

const PARTITIONS = 6
const KEYS = 1000
const flag = (name: string, fallback: number) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.slice(name.length + 3)) : fallback
}

if (process.argv[2] === '--child') await child()
else await parent()

async function parent(): Promise<void> {
  const records = flag('records', 50_000)
  const rounds = flag('rounds', 5)
  const variants: Variant[] = process.argv.includes('--sdk') ? ['off', 'no-sdk', 'sdk'] : ['off', 'no-sdk']
  const handle = await ensureKafka({ log: (line) => console.log(`[otel-bench] ${line}`) })
  process.env['KAFKA_BROKERS'] = handle.bootstrap
  const publishTopic = await createTopic('otel-publish', PARTITIONS)
  const consumeTopic = await createTopic('otel-consume', PARTITIONS)
  try {
    console.log(`[otel-bench] prefilling ${records} records for the consume runs`)
    await runChild('publish', 'off', consumeTopic, records)
    const results = new Map<string, Measurement[]>()
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so that drift (broker log growth, page cache) does not favour one variant.
      const order = round % 2 === 0 ? variants : [...variants].reverse()
      for (const task of ['publish', 'consume'] as const) {
        for (const variant of order) {
          const m = await runChild(task, variant, task === 'publish' ? publishTopic : consumeTopic, records)
          const key = `${task}/${variant}`
          results.set(key, [...(results.get(key) ?? []), m])
          console.log(
            `[otel-bench] round ${round + 1} ${key}: ${Math.round(records / m.seconds)} rec/s, ${(m.cpuMicros / records).toFixed(2)} CPU µs/rec`,
          )
        }
      }
    }
    report(results, variants, records, rounds)
    const hooks = await runChild('hooks', 'no-sdk', publishTopic, 0)
    console.log(
      `\ninstrumentation hooks alone, no SDK: ${hooks.publishNs!.toFixed(0)} ns per publish, ${hooks.consumeNs!.toFixed(0)} ns per consumed record`,
    )
  } finally {
    await deleteTopics([publishTopic, consumeTopic]).catch(() => undefined)
  }
}

function report(results: Map<string, Measurement[]>, variants: Variant[], records: number, rounds: number): void {
  console.log(`\n${records} records of ~1 KiB, ${PARTITIONS} partitions, median of ${rounds} runs each\n`)
  console.log('| task | variant | records/s (min–max) | CPU µs/record | vs off (throughput, CPU) |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const task of ['publish', 'consume'] as const) {
    const base = results.get(`${task}/off`)!
    const baseRate = median(base.map((m) => records / m.seconds))
    const baseCpu = median(base.map((m) => m.cpuMicros / records))
    for (const variant of variants) {
      const runs = results.get(`${task}/${variant}`)!
      const rates = runs.map((m) => records / m.seconds)
      const rate = median(rates)
      const cpu = median(runs.map((m) => m.cpuMicros / records))
      const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`
      console.log(
        `| ${task} | ${variant} | ${Math.round(rate)} (${Math.round(Math.min(...rates))}–${Math.round(Math.max(...rates))}) | ${cpu.toFixed(2)} | ${variant === 'off' ? '—' : `${pct(rate, baseRate)}, ${pct(cpu, baseCpu)}`} |`,
      )
    }
  }
}

function runChild(task: Task, variant: Variant, topic: string, records: number): Promise<Measurement> {
  const script = fileURLToPath(import.meta.url)
  const proc = fork(script, ['--child', task, variant, topic, String(records)], {
    execArgv: ['--conditions=kafkit-source', '--disable-warning=ExperimentalWarning'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`${task}/${variant} did not finish within 5 minutes`))
    }, 300_000)
    proc.on('message', (m: Measurement) => {
      clearTimeout(timer)
      resolve(m)
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`${task}/${variant} exited with ${code}`))
    })
  })
}

async function child(): Promise<void> {
  const [, , , task, variant, topic, count] = process.argv as [string, string, string, Task, Variant, string, string]
  if (variant === 'sdk') await installSdk()
  const records = Number(count)
  const m =
    task === 'hooks'
      ? hooks(topic)
      : task === 'publish'
        ? await publish(topic, records, variant)
        : await consume(topic, records, variant)
  process.send!(m, () => process.exit(0))
}

async function publish(topic: string, records: number, variant: Variant): Promise<Measurement> {
  const event = benchEvent(topic, PARTITIONS)
  const note = padding(1024)
  const producer = new Producer({
    client: { brokers: brokers() },
    service: 'otel-bench',
    logger: silentLogger(),
    compression: 'none',
    telemetry: variant !== 'off',
  })
  const send = (from: number, to: number) => {
    for (let i = from; i < to; i++) producer.publishAsync(event, payload(i, KEYS, note))
    return producer.flush()
  }
  await send(0, 2000) // warm-up: connections, metadata, JIT
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < records; i += 10_000) await send(i, Math.min(records, i + 10_000))
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  await producer.close()
  return { seconds, cpuMicros: used.user + used.system }
}

async function consume(topic: string, records: number, variant: Variant): Promise<Measurement> {
  const event = benchEvent(topic, PARTITIONS)
  let handled = 0
  let cpu: NodeJS.CpuUsage | undefined
  let started = 0
  const { promise, resolve } = Promise.withResolvers<Measurement>()
  const consumer = new Consumer({
    client: { brokers: brokers() },
    catalog: createCatalog([event]),
    service: 'otel-bench',
    group: uniqueName('otel-bench'),
    logger: silentLogger(),
    concurrency: 16,
    telemetry: variant !== 'off',
  })
  consumer.on(event, () => {
    if (handled++ === 0) {
      cpu = process.cpuUsage()
      started = performance.now()
    }
    if (handled === records) {
      const used = process.cpuUsage(cpu)
      resolve({ seconds: (performance.now() - started) / 1000, cpuMicros: used.user + used.system })
    }
  })
  await consumer.start()
  const m = await promise
  await consumer.stop()
  return m
}

/** The per-record telemetry calls of a publish and of a consumed record, without any I/O. */
function hooks(topic: string): Measurement {
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
  return { seconds: 0, cpuMicros: 0, publishNs, consumeNs }
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
