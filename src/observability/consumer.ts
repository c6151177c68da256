// The consumer's spans and metrics. Each consumed record gets one CONSUMER span `process <topic>`,
// child of the context its headers carry (the producer span of whoever published it), from its first
// attempt until it is done: handled, skipped, moved to a retry topic, dead-lettered, or abandoned
// (partition revoked, shutdown). Retries, upcasts and escalations are span events. Handlers run
// inside the span's context, so what they publish continues the trace.
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api'
import type { Envelope } from '../envelope/types.ts'
import type { Tolerance } from '../envelope/validate.ts'
import { errorType, instruments, tracer, tracing } from './api.ts'
import { TopicTypeAttributes } from './attributes.ts'
import { Attr, SpanEvents, type RecordOutcome } from './names.ts'

/** What telemetry reads from a consumed record (kafkit's RecordFacts has these fields). */
export interface ConsumedRecord {
  topic: string
  partition: number
  offset: bigint
  key: string | undefined
  headers: ReadonlyMap<string, string>
}

/** Where a failed record went (see consumer/escalate.ts). */
export type Escalated = { to: 'dlq'; topic: string } | { to: 'retry-topic'; topic: string; tier: number }

export interface RunnerTelemetry {
  rebalanced(): void
  /** An offset commit request finished (`error` undefined when it succeeded). */
  committed(seconds: number, error: unknown): void
}

const headerGetter: TextMapGetter<ReadonlyMap<string, string>> = {
  get: (carrier, key) => carrier.get(key),
  keys: (carrier) => [...carrier.keys()],
}

/** Distinct (source, type, tolerance) attribute sets kept for reuse; beyond it they are built per record. */
const TOLERATED_ATTRIBUTE_SETS = 1000

export class ConsumerTelemetry {
  readonly group: string
  readonly #spanAttributes = new Map<string, Attributes>()
  readonly #metricAttributes: TopicTypeAttributes
  readonly #toleratedAttributes = new Map<string, Attributes>()

  constructor(group: string) {
    this.group = group
    this.#metricAttributes = new TopicTypeAttributes({ [Attr.messagingSystem]: 'kafka', [Attr.consumerGroup]: group })
  }

  /**
   * Starts the record's process span (called at its first attempt). Undefined when no SDK is
   * registered: then nothing is done per record.
   */
  startRecord(record: ConsumedRecord, tier: number): RecordTrace | undefined {
    if (!tracing()) return instruments() ? new RecordTrace(this, record.topic, undefined, undefined) : undefined
    const parent = propagation.extract(ROOT_CONTEXT, record.headers, headerGetter)
    const span = tracer().startSpan(
      `process ${record.topic}`,
      { kind: SpanKind.CONSUMER, attributes: this.#spanAttributesOf(record.topic) },
      parent,
    )
    if (span.isRecording()) {
      const attributes: Attributes = {
        [Attr.partition]: String(record.partition),
        [Attr.offset]: Number(record.offset),
      }
      if (record.key !== undefined) attributes[Attr.key] = record.key
      if (tier >= 0) attributes[Attr.retryTier] = tier
      span.setAttributes(attributes)
      return new RecordTrace(this, record.topic, span, trace.setSpan(parent, span))
    }
    // Sampled out: no span to fill in, but its context still propagates (the sampling decision).
    if (isSpanContextValid(span.spanContext()))
      return new RecordTrace(this, record.topic, undefined, trace.setSpan(parent, span))
    return new RecordTrace(this, record.topic, undefined, undefined)
  }

  /** A group member's rebalance and commit metrics (the consumer's own group or a retry tier's). */
  runner(group: string): RunnerTelemetry {
    const attributes: Attributes = { [Attr.messagingSystem]: 'kafka', [Attr.consumerGroup]: group }
    return {
      rebalanced: () => instruments()?.rebalances.add(1, attributes),
      committed: (seconds, error) =>
        instruments()?.commitDuration.record(
          seconds,
          error === undefined ? attributes : { ...attributes, [Attr.errorType]: errorType(error) },
        ),
    }
  }

  /**
   * Counts what tolerant decoding accepted in an envelope, by producing service and event type, so
   * a team can find the producers to fix. A property, to be handed over as the decode step's callback.
   */
  readonly tolerated = (envelope: Envelope, tolerated: readonly Tolerance[]): void => {
    const counter = instruments()?.envelopeTolerated
    if (!counter) return
    for (const tolerance of tolerated) counter.add(1, this.#toleratedAttributesOf(envelope, tolerance))
  }

  #toleratedAttributesOf(envelope: Envelope, tolerance: Tolerance): Attributes {
    const key = `${envelope.source}\u0000${envelope.type}\u0000${tolerance}`
    let attributes = this.#toleratedAttributes.get(key)
    if (!attributes) {
      attributes = {
        [Attr.messagingSystem]: 'kafka',
        [Attr.consumerGroup]: this.group,
        [Attr.eventSource]: envelope.source,
        [Attr.eventType]: envelope.type,
        [Attr.tolerated]: tolerance,
      }
      if (this.#toleratedAttributes.size < TOLERATED_ATTRIBUTE_SETS) this.#toleratedAttributes.set(key, attributes)
    }
    return attributes
  }

  /** Metric attributes of a (topic, event type), made once and reused. */
  attributesOf(topic: string, type: string | undefined): Attributes {
    return this.#metricAttributes.of(topic, type)
  }

  #spanAttributesOf(topic: string): Attributes {
    let attributes = this.#spanAttributes.get(topic)
    if (!attributes) {
      attributes = {
        [Attr.messagingSystem]: 'kafka',
        [Attr.operationName]: 'process',
        [Attr.operationType]: 'process',
        [Attr.destination]: topic,
        [Attr.consumerGroup]: this.group,
      }
      this.#spanAttributes.set(topic, attributes)
    }
    return attributes
  }
}

/** One record's telemetry, from its first attempt to done. Ends exactly once. */
export class RecordTrace {
  /** The process span while it records (undefined without an SDK, or when sampled out). */
  readonly span: Span | undefined
  readonly #context: Context | undefined
  readonly #telemetry: ConsumerTelemetry
  readonly #topic: string
  readonly #startedAt = performance.now()
  #type: string | undefined
  #ended = false
  #recorded: unknown

  constructor(telemetry: ConsumerTelemetry, topic: string, span: Span | undefined, spanContext: Context | undefined) {
    this.#telemetry = telemetry
    this.#topic = topic
    this.span = span
    this.#context = spanContext
  }

  get ended(): boolean {
    return this.#ended
  }

  /** Runs `fn` with the process span active (what it publishes becomes the span's child). */
  run<T>(fn: () => T): T {
    return this.#context === undefined ? fn() : context.with(this.#context, fn)
  }

  decoded(envelope: Envelope): void {
    this.#type = envelope.type
    if (!this.span) return
    const attributes: Attributes = {
      [Attr.eventType]: envelope.type,
      [Attr.eventVersion]: envelope.version,
      [Attr.messageId]: envelope.id,
      [Attr.correlationId]: envelope.correlation_id,
    }
    if (envelope.causation_id !== undefined) attributes[Attr.causationId] = envelope.causation_id
    this.span.setAttributes(attributes)
  }

  upcast(from: readonly string[], to: string): void {
    this.span?.addEvent(SpanEvents.upcast, { [Attr.upcastFrom]: from.join(','), [Attr.upcastTo]: to })
  }

  /** One handler attempt finished (`startedAt` from performance.now()). */
  handlerDone(startedAt: number, handler: string, error: unknown): void {
    const seconds = (performance.now() - startedAt) / 1000
    const attributes = this.#telemetry.attributesOf(this.#topic, this.#type)
    if (error === undefined) {
      instruments()?.handlerDuration.record(seconds, attributes)
      return
    }
    instruments()?.handlerDuration.record(seconds, { ...attributes, [Attr.errorType]: errorType(error) })
    this.#recordException(error, handler)
  }

  retry(error: unknown, attempt: number, delayMs: number): void {
    instruments()?.retries.add(1, this.#telemetry.attributesOf(this.#topic, this.#type))
    this.span?.addEvent(SpanEvents.retry, {
      [Attr.attempt]: attempt,
      [Attr.retryDelay]: delayMs,
      [Attr.errorType]: errorType(error),
    })
  }

  escalated(where: Escalated, error: unknown): void {
    const attributes = { ...this.#telemetry.attributesOf(this.#topic, this.#type), [Attr.errorType]: errorType(error) }
    if (where.to === 'dlq') {
      instruments()?.deadLettered.add(1, attributes)
      this.span?.addEvent(SpanEvents.deadLetter, { [Attr.dlqTopic]: where.topic, [Attr.errorType]: errorType(error) })
    } else {
      instruments()?.retryTopic.add(1, { ...attributes, [Attr.retryTier]: where.tier })
      this.span?.addEvent(SpanEvents.retryTopic, {
        [Attr.destination]: where.topic,
        [Attr.retryTier]: where.tier,
        [Attr.errorType]: errorType(error),
      })
    }
  }

  escalationFailed(error: unknown): void {
    this.span?.addEvent(SpanEvents.escalationFailed, { [Attr.errorType]: errorType(error) })
  }

  /** Ends the span and counts the record; later calls do nothing. */
  end(outcome: RecordOutcome, attempts: number, error?: unknown): void {
    if (this.#ended) return
    this.#ended = true
    const m = instruments()
    if (m) {
      const base = this.#telemetry.attributesOf(this.#topic, this.#type)
      const seconds = (performance.now() - this.#startedAt) / 1000
      if (outcome === 'handled' || outcome === 'skipped') {
        m.consumed.add(1, base)
        m.processDuration.record(seconds, base)
      } else if (outcome !== 'abandoned') {
        const failed = { ...base, [Attr.errorType]: errorType(error) }
        m.consumeFailed.add(1, failed)
        m.processDuration.record(seconds, failed)
      }
    }
    const span = this.span
    if (!span) return
    span.setAttributes({ [Attr.outcome]: outcome, [Attr.attempt]: attempts })
    if (outcome === 'abandoned') span.addEvent(SpanEvents.abandoned)
    if (outcome === 'retry_topic' || outcome === 'dead_lettered') {
      // Failures before any handler ran (undecodable, unknown type) were not recorded yet.
      if (error !== this.#recorded) this.#recordException(error, undefined)
      span.setAttribute(Attr.errorType, errorType(error))
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
    }
    span.end()
  }

  /** The semantic-convention `exception` event, with the handler that threw. */
  #recordException(error: unknown, handler: string | undefined): void {
    this.#recorded = error
    if (!this.span) return
    const attributes: Attributes = {
      'exception.type': error instanceof Error ? error.name : typeof error,
      'exception.message': error instanceof Error ? error.message : String(error),
    }
    if (error instanceof Error && error.stack) attributes['exception.stacktrace'] = error.stack
    if (handler !== undefined) attributes[Attr.handler] = handler
    this.span.addEvent('exception', attributes)
  }
}
