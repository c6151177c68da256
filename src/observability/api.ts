// kafkit's tracer and instruments, from whatever OpenTelemetry SDK the application registered.
// Both are looked up lazily and re-made when the global provider changes, so an SDK registered after
// kafkit was imported (or after a producer was created) is used all the same. Without an SDK the API
// hands out no-op tracers and meters: kafkit recognises them and then skips its per-record work.
import {
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  trace,
  ValueType,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api'
import { VERSION } from '../version.ts'
import {
  addMember,
  addProducer,
  observeAssigned,
  observeInFlight,
  observeLag,
  observeOutstanding,
  type GaugeSource,
  type ProducerGaugeSource,
} from './gauges.ts'
import { INSTRUMENTATION_NAME, Metrics } from './names.ts'

let tracerProvider: TracerProvider | undefined
let cachedTracer: Tracer | undefined
// What the API's proxy delegates to while no SDK registered a tracer provider (a singleton).
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate()

/** Whether an SDK registered a tracer provider (otherwise spans would be no-ops: skip them). */
export function tracing(): boolean {
  const provider = trace.getTracerProvider()
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER
}

export function tracer(): Tracer {
  const provider = trace.getTracerProvider()
  if (provider !== tracerProvider || cachedTracer === undefined) {
    tracerProvider = provider
    cachedTracer = provider.getTracer(INSTRUMENTATION_NAME, VERSION)
  }
  return cachedTracer
}

export interface Instruments {
  published: Counter
  publishFailed: Counter
  publishDeadLettered: Counter
  publishDuration: Histogram
  publishDeprecated: Counter
  consumed: Counter
  consumeFailed: Counter
  handlerDuration: Histogram
  processDuration: Histogram
  retries: Counter
  deadLettered: Counter
  retryTopic: Counter
  rebalances: Counter
  commitDuration: Histogram
  envelopeTolerated: Counter
}

/** Registers a runner's gauges until the returned function is called (on stop). */
export function observeRunner(source: GaugeSource): () => void {
  const retire = addMember(source)
  instruments() // make sure the observable gauges exist under the current provider
  return retire
}

export function observeProducer(source: ProducerGaugeSource): () => void {
  const retire = addProducer(source)
  instruments()
  return retire
}

// Latency buckets in seconds, 1 ms .. 30 s (publish and handler times of a healthy service are in
// the low milliseconds; the tail up to the default 30 s deadline must still be visible).
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

let meterProvider: MeterProvider | undefined
let cached: Instruments | undefined

/** kafkit's instruments; undefined while no SDK registered a meter provider. */
export function instruments(): Instruments | undefined {
  const provider = metrics.getMeterProvider()
  if (provider !== meterProvider) {
    meterProvider = provider
    const meter = provider.getMeter(INSTRUMENTATION_NAME, VERSION)
    cached = meter === createNoopMeter() ? undefined : createInstruments(meter)
  }
  return cached
}

function createInstruments(meter: Meter): Instruments {
  const counter = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: '{message}', valueType: ValueType.INT })
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: SECONDS } })

  const inFlight = meter.createObservableGauge(Metrics.inFlight, {
    description: 'Records held by a consumer group member: queued, running or waiting to retry',
    unit: '{message}',
    valueType: ValueType.INT,
  })
  inFlight.addCallback(observeInFlight)
  const assigned = meter.createObservableGauge(Metrics.assigned, {
    description: 'Partitions assigned to a consumer group member',
    unit: '{partition}',
    valueType: ValueType.INT,
  })
  assigned.addCallback(observeAssigned)
  const lag = meter.createObservableGauge(Metrics.lag, {
    description: "Records between a partition's end offset and the group's committed offset",
    unit: '{message}',
    valueType: ValueType.INT,
  })
  lag.addCallback(observeLag)
  const outstanding = meter.createObservableGauge(Metrics.producerOutstanding, {
    description: 'Records a producer accepted and has not settled yet',
    unit: '{message}',
    valueType: ValueType.INT,
  })
  outstanding.addCallback(observeOutstanding)

  return {
    published: counter(Metrics.published, 'Records the broker acknowledged'),
    publishFailed: counter(Metrics.publishFailed, 'Publishes that failed (error.type says why)'),
    publishDeadLettered: counter(Metrics.publishDeadLettered, 'Publishes written to the DLQ instead of their topic'),
    publishDuration: seconds(Metrics.publishDuration, 'From publish() to the broker acknowledgement or failure'),
    publishDeprecated: counter(Metrics.publishDeprecated, 'Publishes of a deprecated event version'),
    consumed: counter(Metrics.consumed, 'Records processed to completion (handled, or skipped by policy)'),
    consumeFailed: counter(Metrics.consumeFailed, 'Records whose handling failed for good here (retry topic or DLQ)'),
    handlerDuration: seconds(Metrics.handlerDuration, 'One handler attempt'),
    processDuration: seconds(Metrics.processDuration, 'A record from its first attempt to done, retries included'),
    retries: counter(Metrics.retries, 'In-process retries scheduled after a failed attempt'),
    deadLettered: counter(Metrics.deadLettered, 'Records the consumer wrote to a DLQ'),
    retryTopic: counter(Metrics.retryTopic, 'Records the consumer moved to a retry topic'),
    rebalances: meter.createCounter(Metrics.rebalances, {
      description: 'Group joins with a new assignment (rebalances)',
      unit: '{rebalance}',
      valueType: ValueType.INT,
    }),
    commitDuration: seconds(Metrics.commitDuration, 'Offset commit requests'),
    envelopeTolerated: counter(
      Metrics.envelopeTolerated,
      'Envelopes read only by tolerant decoding, per producing service, event type and what was tolerated',
    ),
  }
}

/** A low-cardinality error.type: the kafkit error code, else the error's class name. */
export function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('KAFKIT_')) return code
    const name = (error as { name?: unknown }).name
    if (typeof name === 'string' && name.length > 0 && name.length <= 64) return name
  }
  return '_OTHER'
}
