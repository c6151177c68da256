// Telemetry of outbox writes (a span), relays and inboxes (metrics): rows relayed and recovered, the time from a row's insert to
// its Kafka acknowledgement, and, as gauges, rows waiting, the age of the oldest and lanes held.
// Like the rest of kafkit's telemetry: through @opentelemetry/api only, no-ops without an SDK.
import {
  context,
  createNoopMeter,
  isSpanContextValid,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  ValueType,
  type Attributes,
  type Context,
  type Counter,
  type Histogram,
  type MeterProvider,
} from '@opentelemetry/api'
import { errorMessage } from '../errors.ts'
import { VERSION } from '../version.ts'
import { errorType, tracer, tracing } from './api.ts'
import { Attr, INSTRUMENTATION_NAME, Metrics } from './names.ts'

/** A relay whose gauges are read at collection time. */
export interface RelayGaugeSource {
  readonly attributes: Attributes
  /** Rows waiting and the age of the oldest (seconds), as last measured; undefined before. */
  stats(): { pending: number; oldestAgeSeconds: number } | undefined
  lanes(): number
}

interface OutboxInstruments {
  relayed: Counter
  recovered: Counter
  failed: Counter
  latency: Histogram
  duplicates: Counter
}

const relays = new Set<RelayGaugeSource>()
let provider: MeterProvider | undefined
let cached: OutboxInstruments | undefined

// Seconds from insert to acknowledgement: milliseconds when the relay keeps up, up to minutes when
// Kafka or the relay was down.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

function instruments(): OutboxInstruments | undefined {
  const current = metrics.getMeterProvider()
  if (current === provider) return cached
  provider = current
  const meter = current.getMeter(INSTRUMENTATION_NAME, VERSION)
  if (meter === createNoopMeter()) return (cached = undefined)
  const rows = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: '{row}', valueType: ValueType.INT })
  const gauge = (name: string, description: string, unit: string, read: (s: RelayGaugeSource) => number | undefined) =>
    meter.createObservableGauge(name, { description, unit }).addCallback((result) => {
      for (const source of relays) {
        const value = read(source)
        if (value !== undefined) result.observe(value, source.attributes)
      }
    })
  gauge(Metrics.outboxPending, 'Outbox rows not yet relayed to Kafka', '{row}', (s) => s.stats()?.pending)
  gauge(Metrics.outboxLag, 'Age of the oldest outbox row not yet relayed', 's', (s) => s.stats()?.oldestAgeSeconds)
  gauge(Metrics.outboxLanes, 'Outbox lanes this relay holds', '{lane}', (s) => s.lanes())
  cached = {
    relayed: rows(Metrics.outboxRelayed, 'Outbox rows written to Kafka and deleted'),
    recovered: rows(
      Metrics.outboxRecovered,
      'Outbox rows found already in Kafka after a crash or failed send, deleted without sending again',
    ),
    failed: meter.createCounter(Metrics.outboxFailed, {
      description: 'Relay batches that failed (error.type says why)',
      unit: '{batch}',
      valueType: ValueType.INT,
    }),
    latency: meter.createHistogram(Metrics.outboxLatency, {
      description: "From an outbox row's insert to its deletion after Kafka acknowledged it",
      unit: 's',
      advice: { explicitBucketBoundaries: BUCKETS },
    }),
    duplicates: meter.createCounter(Metrics.inboxDuplicates, {
      description: 'Events an inbox recognised as already handled and acknowledged without calling the handler',
      unit: '{event}',
      valueType: ValueType.INT,
    }),
  }
  return cached
}

export class RelayTelemetry implements RelayGaugeSource {
  readonly attributes: Attributes
  #stats: { pending: number; oldestAgeSeconds: number } | undefined
  #lanes = 0

  constructor(outbox: string, relay: string) {
    this.attributes = { [Attr.outbox]: outbox, [Attr.relay]: relay }
    relays.add(this)
    instruments()
  }

  stats() {
    return this.#stats
  }

  lanes(): number {
    return this.#lanes
  }

  setStats(stats: { pending: number; oldestAgeSeconds: number }): void {
    this.#stats = stats
  }

  setLanes(count: number): void {
    this.#lanes = count
  }

  relayed(latenciesSeconds: readonly number[]): void {
    const i = instruments()
    if (!i) return
    i.relayed.add(latenciesSeconds.length, this.attributes)
    for (const seconds of latenciesSeconds) i.latency.record(Math.max(0, seconds), this.attributes)
  }

  recovered(rows: number): void {
    if (rows > 0) instruments()?.recovered.add(rows, this.attributes)
  }

  failed(error: unknown): void {
    instruments()?.failed.add(1, { ...this.attributes, [Attr.errorType]: errorType(error) })
  }

  close(): void {
    relays.delete(this)
  }
}

export function inboxDuplicate(group: string, store: string): void {
  instruments()?.duplicates.add(1, { [Attr.consumerGroup]: group, 'kafkit.inbox.store': store })
}

/**
 * The span of an outbox write: PRODUCER `create <topic>` (the messaging conventions' name for
 * making a message that is sent later). The record's traceparent is this span's context, so the
 * consumer's process span is its child, as with a producer's `send` span. Undefined without an SDK.
 */
export function startOutboxWrite(
  topic: string | undefined,
  count: number,
  eventType: string | undefined,
): { context: Context; end(error?: unknown): void } | undefined {
  if (!tracing()) return undefined
  const parent = context.active()
  const attributes: Attributes = {
    [Attr.messagingSystem]: 'kafka',
    [Attr.operationName]: 'create',
    [Attr.operationType]: 'create',
  }
  if (topic !== undefined) attributes[Attr.destination] = topic
  if (count > 1) attributes[Attr.batchCount] = count
  if (eventType !== undefined) attributes[Attr.eventType] = eventType
  const span = tracer().startSpan(
    topic === undefined ? 'create' : `create ${topic}`,
    { kind: SpanKind.PRODUCER, attributes },
    parent,
  )
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return undefined
  return {
    context: trace.setSpan(parent, span),
    end(error?: unknown) {
      if (error !== undefined) {
        span.setAttribute(Attr.errorType, errorType(error))
        if (error instanceof Error) span.recordException(error)
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) })
      }
      span.end()
    },
  }
}
