// The producer's spans and metrics. A publish (or a batch, or a raw send) gets one PRODUCER span
// `send <topic>`, started before the record is prepared so that the record's traceparent header is
// this span's context: the consumer's process span becomes its child. The span ends when every record
// under it has settled; metrics are recorded per record at settle time.
import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api'
import type { AnyEvent } from '../catalog/event.ts'
import { errorType, instruments, observeProducer, tracer, tracing } from './api.ts'
import { TopicTypeAttributes } from './attributes.ts'
import { Attr, SpanEvents } from './names.ts'

/** What telemetry reads from a settled record (kafkit's OutgoingRecord has these fields). */
export interface SettledRecord {
  readonly topic: string
  readonly event: AnyEvent | undefined
  readonly eventId: string | undefined
  readonly correlationId: string | undefined
  readonly keyText: string | undefined
  readonly value: Buffer | null
  /** performance.now() when the record was accepted (0 when telemetry is off). */
  readonly acceptedAt: number
  readonly trace: SendTrace | undefined
}

/** A settled record's result: where it was written (RecordMetadata or PublishResult). */
export interface SettledResult {
  readonly status?: 'published' | 'dead-lettered'
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
}

/** The span of one publish or batch, shared by its records; ends when the last one settles. */
export class SendTrace {
  readonly span: Span
  /** The active context with this span set: what the record headers carry. */
  readonly context: Context
  readonly #single: boolean
  #remaining: number
  #failed = 0
  #firstError: unknown

  constructor(span: Span, parent: Context, count: number) {
    this.span = span
    this.context = trace.setSpan(parent, span)
    this.#single = count === 1
    this.#remaining = count
  }

  settle(record: SettledRecord, error: unknown, result: SettledResult | undefined): void {
    const span = this.span
    if (this.#single && span.isRecording()) describeRecord(span, record, result)
    if (result?.status === 'dead-lettered') {
      span.addEvent(SpanEvents.deadLetter, { [Attr.dlqTopic]: result.topic })
      error ??= (result as { error?: unknown }).error
    }
    if (error) {
      this.#failed++
      this.#firstError ??= error
    }
    if (--this.#remaining === 0) this.#end()
  }

  /** Ends the span at once: the publish failed before any record was accepted. */
  fail(error: unknown): void {
    this.#failed++
    this.#firstError ??= error
    this.#remaining = 0
    this.#end()
  }

  #end(): void {
    const error = this.#firstError
    if (error !== undefined) {
      this.span.setAttribute(Attr.errorType, errorType(error))
      if (error instanceof Error) this.span.recordException(error)
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: describe(error, this.#failed) })
    }
    this.span.end()
  }
}

function describeRecord(span: Span, record: SettledRecord, result: SettledResult | undefined): void {
  const attributes: Attributes = {}
  if (record.eventId !== undefined) attributes[Attr.messageId] = record.eventId
  if (record.keyText !== undefined) attributes[Attr.key] = record.keyText
  if (record.correlationId !== undefined) attributes[Attr.correlationId] = record.correlationId
  if (record.event) attributes[Attr.eventVersion] = record.event.version
  if (record.value === null) attributes[Attr.tombstone] = true
  else attributes[Attr.bodySize] = record.value.length
  if (result && result.status !== 'dead-lettered') {
    attributes[Attr.partition] = String(result.partition)
    if (result.offset >= 0n) attributes[Attr.offset] = Number(result.offset)
  }
  span.setAttributes(attributes)
}

function describe(error: unknown, failed: number): string {
  const message = error instanceof Error ? error.message : String(error)
  return failed > 1 ? `${failed} records failed; first: ${message}` : message
}

const SEND: Attributes = {
  [Attr.messagingSystem]: 'kafka',
  [Attr.operationName]: 'send',
  [Attr.operationType]: 'send',
}

/** The options of a topic's send spans, made once (the SDK copies what it keeps). */
interface SendSpan {
  name: string
  options: { kind: SpanKind; attributes: Attributes }
}

export class ProducerTelemetry {
  readonly #spans = new Map<string | undefined, SendSpan>()
  readonly #metricAttributes = new TopicTypeAttributes({ [Attr.messagingSystem]: 'kafka' })
  readonly #stopObserving: () => void

  constructor(service: string, outstanding: () => number) {
    this.#stopObserving = observeProducer({ service, outstanding })
  }

  close(): void {
    this.#stopObserving()
  }

  /**
   * Starts the span of a publish of `count` records to `topic` (undefined: several topics), child
   * of the active context. Undefined when nothing would be recorded or propagated (no SDK).
   */
  startSend(topic: string | undefined, count: number, event?: AnyEvent): SendTrace | undefined {
    if (!tracing()) return undefined
    const parent = context.active()
    const { name, options } = this.#sendSpan(topic)
    const span = tracer().startSpan(name, options, parent)
    if (!span.isRecording()) {
      return isSpanContextValid(span.spanContext()) ? new SendTrace(span, parent, count) : undefined
    }
    if (count > 1) span.setAttribute(Attr.batchCount, count)
    if (event) span.setAttribute(Attr.eventType, event.type)
    return new SendTrace(span, parent, count)
  }

  /** Every accepted record passes here once, with its outcome. */
  settled(record: SettledRecord, error: unknown, result: SettledResult | undefined): void {
    record.trace?.settle(record, error, result)
    const m = instruments()
    // No SDK, or one registered after the record was accepted (no start time to measure from).
    if (!m || record.acceptedAt === 0) return
    const attributes = this.#metricAttributes.of(record.topic, record.event?.type)
    const seconds = (performance.now() - record.acceptedAt) / 1000
    if (error) {
      const failed = { ...attributes, [Attr.errorType]: errorType(error) }
      m.publishFailed.add(1, failed)
      m.publishDuration.record(seconds, failed)
    } else if (result?.status === 'dead-lettered') {
      m.publishDeadLettered.add(1, attributes)
      m.publishDuration.record(seconds, attributes)
    } else {
      m.published.add(1, attributes)
      m.publishDuration.record(seconds, attributes)
    }
  }

  /** A publish refused before any record was accepted (closed, buffer full, invalid batch item). */
  rejected(error: unknown, topic: string | undefined, event: AnyEvent | undefined): void {
    const attributes: Attributes = { ...this.#metricAttributes.of(topic ?? '', event?.type) }
    if (topic === undefined) delete attributes[Attr.destination]
    attributes[Attr.errorType] = errorType(error)
    instruments()?.publishFailed.add(1, attributes)
  }

  /** A publish of a deprecated event version (counted whatever its outcome). */
  deprecated(event: AnyEvent): void {
    const m = instruments()
    if (!m) return
    m.publishDeprecated.add(1, {
      ...this.#metricAttributes.of(event.topic.name, event.type),
      [Attr.eventVersion]: event.version,
    })
  }

  /** A start time for the publish duration, or 0 when no meter provider is registered. */
  now(): number {
    return instruments() ? performance.now() : 0
  }

  #sendSpan(topic: string | undefined): SendSpan {
    let span = this.#spans.get(topic)
    if (!span) {
      span = {
        name: topic === undefined ? 'send' : `send ${topic}`,
        options: {
          kind: SpanKind.PRODUCER,
          attributes: topic === undefined ? SEND : { ...SEND, [Attr.destination]: topic },
        },
      }
      this.#spans.set(topic, span)
    }
    return span
  }
}
