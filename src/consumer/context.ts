// The HandlerContext given to handlers. The logger and AbortController are made on first use:
// most handlers never touch them, and this runs for every record.
import { isSpanContextValid, trace } from '@opentelemetry/api'
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { HandlerContext, HandlerPublisher, HandlerPublishResult, PublishInHandlerOptions } from './types.ts'

export interface RecordFacts {
  topic: string
  partition: number
  offset: bigint
  key: string | undefined
  timestamp: Date
  headers: ReadonlyMap<string, string>
  group: string
  /** The retry tier the record was read from (-1: the source topic). */
  tier: number
}

/** The fields every log line about a record carries: event id and type, where it is, its flow. */
export function recordLogFields(
  facts: Pick<RecordFacts, 'topic' | 'partition' | 'offset'>,
  envelope: Envelope | undefined,
) {
  return {
    eventId: envelope?.id,
    eventType: envelope?.type,
    topic: facts.topic,
    partition: facts.partition,
    offset: facts.offset.toString(),
    correlationId: envelope?.correlation_id,
    ...traceLogFields(),
  }
}

/** trace_id and span_id of the active span (the record's, while it is handled), to join logs to traces. */
function traceLogFields(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext()
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {}
}

export class Context<R extends HandlerPublishResult = HandlerPublishResult> implements HandlerContext<R> {
  readonly attempt: number
  readonly upcastedFrom: readonly string[]
  readonly #facts: RecordFacts
  readonly #envelope: Envelope
  readonly #baseLogger: Logger
  readonly #publisher: HandlerPublisher<R> | undefined
  #logger: Logger | undefined
  #controller: AbortController | undefined

  constructor(
    facts: RecordFacts,
    envelope: Envelope,
    attempt: number,
    upcastedFrom: readonly string[],
    logger: Logger,
    publisher: HandlerPublisher<R> | undefined,
  ) {
    this.#facts = facts
    this.attempt = attempt
    this.upcastedFrom = upcastedFrom
    this.#envelope = envelope
    this.#baseLogger = logger
    this.#publisher = publisher
  }

  // Read through to the record's facts: most handlers read few of them, and this runs per attempt.
  get topic(): string {
    return this.#facts.topic
  }

  get partition(): number {
    return this.#facts.partition
  }

  get offset(): bigint {
    return this.#facts.offset
  }

  get key(): string | undefined {
    return this.#facts.key
  }

  get timestamp(): Date {
    return this.#facts.timestamp
  }

  get headers(): ReadonlyMap<string, string> {
    return this.#facts.headers
  }

  get group(): string {
    return this.#facts.group
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController()
    return this.#controller.signal
  }

  get logger(): Logger {
    this.#logger ??= this.#baseLogger.child({
      ...recordLogFields(this, this.#envelope),
      attempt: this.attempt,
    })
    return this.#logger
  }

  /** Fires the signal (the handler timed out, or the consumer stops). */
  abort(reason: Error): void {
    this.#controller ??= new AbortController()
    if (!this.#controller.signal.aborted) this.#controller.abort(reason)
  }

  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishInHandlerOptions): Promise<R> {
    if (!this.#publisher)
      return Promise.reject(new KafkitError(ErrorCodes.CONSUMER_STATE, 'this consumer has no producer to publish with'))
    // The handler runs inside the event's context, so correlation and causation ids carry over.
    return this.#publisher.publish(event, payload, options)
  }
}
