// One consumed record's way through the pipeline: decode → route → upcast and validate → handlers
// (behind the middleware) → done, or retry later, or escalate (retry topic / DLQ). A record is done
// for the offset tracker only when every handler succeeded or the failure was safely written away.
import type { Message } from '@platformatic/kafka'
import { payloadFor } from '../catalog/upcast.ts'
import { contextOfEvent, runWithContext } from '../context/context.ts'
import { ReplayHeaders } from '../dlq/headers.ts'
import { Headers } from '../envelope/headers.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, KafkitError, UnknownEventTypeError, errorMessage, isRetryable } from '../errors.ts'
import type { RecordOutcome } from '../observability/names.ts'
import type { RecordTrace } from '../observability/consumer.ts'
import { Context, recordLogFields, type RecordFacts } from './context.ts'
import { decodeEnvelope, project } from './decode.ts'
import type { Job } from './pool.ts'
import { backoffDelay } from './retry.ts'
import type { RouteMatch } from './router.ts'
import type { PipelineDeps } from './pipeline.ts'
import { tierOf } from './tiers.ts'

export type WireMessage = Message<Buffer, Buffer, Buffer, Buffer>

export class HandlerTimeoutError extends KafkitError {
  constructor(timeoutMs: number) {
    super(ErrorCodes.HANDLER_TIMEOUT, `the handler did not finish within ${timeoutMs} ms`, { retryable: true })
  }
}

export class ShutdownError extends KafkitError {
  constructor() {
    super(ErrorCodes.SHUTDOWN, 'the consumer is shutting down', { retryable: true })
  }
}

/** What escalation (retry topic or DLQ) needs to know about a record that could not be handled. */
export interface RecordFailure {
  message: WireMessage
  facts: RecordFacts
  /** Every header as consumed, including the retry bookkeeping of a tier record. */
  headers: ReadonlyMap<string, string>
  envelope: Envelope | undefined
  error: unknown
  handler: string | undefined
  attempts: number
  firstFailure: Date
  lastFailure: Date
}

export class RecordJob implements Job {
  readonly lane: string
  readonly message: WireMessage
  readonly facts: RecordFacts
  /** Every header of the record as consumed (for tier records, with the retry bookkeeping). */
  readonly #headers: ReadonlyMap<string, string>
  readonly #deps: PipelineDeps
  readonly #isCurrent: () => boolean
  readonly #done: () => void
  #attempt: number
  #envelope: Envelope | undefined
  readonly #succeeded = new Set<number>()
  #firstFailure: Date | undefined
  #failure: { error: unknown; handler: string | undefined } | undefined
  #escalations = 0
  /** Span and metrics of this record, from its first attempt (undefined with telemetry off). */
  #trace: RecordTrace | undefined

  constructor(
    deps: PipelineDeps,
    message: WireMessage,
    headers: ReadonlyMap<string, string>,
    facts: RecordFacts,
    lane: string,
    isCurrent: () => boolean,
    done: () => void,
  ) {
    this.#deps = deps
    this.message = message
    this.#headers = headers
    this.facts = facts
    this.lane = lane
    this.#isCurrent = isCurrent
    this.#done = done
    this.#attempt = deps.priorAttempts(headers)
  }

  abandon(): void {
    // Dropped unfinished (partition revoked or shutdown past its deadline): not marked done, so
    // the offset is not committed and the record is delivered again.
    this.#trace?.end('abandoned', this.#attempt)
  }

  async step(): Promise<number | undefined> {
    if (!this.#isCurrent()) return this.#abandoned()
    this.#trace ??= this.#deps.telemetry?.startRecord(this.facts, tierOf(this.#headers))
    if (this.#failure) return this.#escalate()
    const replayFor = this.#headers.get(ReplayHeaders.group)
    if (replayFor !== undefined && replayFor !== this.facts.group) return this.#finish('skipped') // replayed for another group
    this.#attempt++
    const now = new Date()
    try {
      if (!this.#envelope) {
        this.#envelope = decodeEnvelope(this.#deps.registry, this.message.value, this.facts.headers)
        this.#trace?.decoded(this.#envelope)
      }
    } catch (error) {
      return this.#fail(error, undefined, now)
    }
    const routing = this.#deps.router.route(this.#envelope.type, this.#envelope.version)
    if (routing.kind !== 'routes') {
      const policy = routing.kind === 'unknown' ? this.#deps.onUnknownType : this.#deps.onUnhandled
      if (policy === 'skip') {
        this.#deps.logger.debug(recordLogFields(this.facts, this.#envelope), `skipping ${routing.kind} event type`)
        return this.#finish('skipped')
      }
      return this.#fail(new UnknownEventTypeError(this.#envelope.type, { retryable: false }), undefined, now)
    }
    let failed: { error: unknown; match: RouteMatch } | undefined
    for (const match of routing.matches) {
      if (this.#succeeded.has(match.route.id)) continue
      try {
        await this.#invoke(match, this.#envelope)
        this.#succeeded.add(match.route.id)
      } catch (error) {
        failed ??= { error, match }
        this.#deps.logger.warn(
          {
            err: error,
            ...recordLogFields(this.facts, this.#envelope),
            handler: match.route.name,
            attempt: this.#attempt,
          },
          `handler failed: ${errorMessage(error)}`,
        )
      }
    }
    if (!failed) return this.#finish('handled')
    if (!this.#isCurrent()) return this.#abandoned()
    const policy = this.#deps.retryPolicy(failed.match.route)
    if (this.#attempt < policy.maxAttempts && isRetryable(failed.error) && !this.#deps.stopping()) {
      this.#firstFailure ??= now
      this.#deps.observer.onRetry?.(this, failed.error)
      const delay = backoffDelay(policy, this.#attempt)
      this.#trace?.retry(failed.error, this.#attempt, delay)
      return delay
    }
    return this.#fail(failed.error, failed.match.route.name, now)
  }

  async #invoke(match: RouteMatch, envelope: Envelope): Promise<void> {
    const decoded = await payloadFor(envelope, match.target)
    if (decoded.upcastedFrom.length > 0) this.#trace?.upcast(decoded.upcastedFrom, match.target.version)
    let event: Envelope = decoded.payload === envelope.payload ? envelope : { ...envelope, payload: decoded.payload }
    const fields = match.route.options.fields
    if (fields) event = project(event, fields)
    const timeoutMs = match.route.options.timeoutMs ?? this.#deps.handlerTimeoutMs
    const ctx = new Context(
      this.facts,
      envelope,
      this.#attempt,
      decoded.upcastedFrom,
      this.#deps.logger,
      this.#deps.publisher,
      timeoutMs,
    )
    const handler = this.#deps.handlerFor(match.route)
    const trace = {
      traceparent: this.facts.headers.get(Headers.traceparent),
      tracestate: this.facts.headers.get(Headers.tracestate),
    }
    const interrupted = new Promise<never>((_, reject) => {
      ctx.interrupt = reject
    })
    const run = () => runWithContext(contextOfEvent(envelope, definedTrace(trace)), () => handler(event, ctx))
    const recordTrace = this.#trace
    const started = recordTrace ? performance.now() : 0
    let failure: unknown
    this.#deps.active.add(ctx)
    try {
      // Inside the process span's context: what the handler publishes continues the trace.
      await Promise.race([recordTrace ? recordTrace.run(run) : run(), interrupted])
    } catch (error) {
      failure = error ?? new Error('the handler failed without an error')
      throw error
    } finally {
      this.#deps.active.delete(ctx)
      ctx.interrupt = undefined
      recordTrace?.handlerDone(started, match.route.name, failure)
    }
  }

  #fail(error: unknown, handler: string | undefined, at: Date): Promise<number | undefined> {
    this.#firstFailure ??= at
    this.#failure = { error, handler }
    return this.#escalate()
  }

  /** Writes the failure to a retry topic or the DLQ; only then is the record done. */
  async #escalate(): Promise<number | undefined> {
    const failure = this.#failure!
    try {
      const escalate = () =>
        this.#deps.escalate({
          message: this.message,
          facts: this.facts,
          headers: this.#headers,
          envelope: this.#envelope,
          error: failure.error,
          handler: failure.handler,
          attempts: this.#attempt,
          firstFailure: this.#firstFailure ?? new Date(),
          lastFailure: new Date(),
        })
      // In the span's context, so the DLQ or retry-topic write is its child.
      const where = await (this.#trace ? this.#trace.run(escalate) : escalate())
      this.#trace?.escalated(where, failure.error)
      return this.#finish(where.to === 'dlq' ? 'dead_lettered' : 'retry_topic', failure.error)
    } catch (error) {
      // The DLQ (or retry topic) write failed: the offset stays uncommitted and we try again.
      this.#trace?.escalationFailed(error)
      this.#escalations++
      this.#deps.logger.error(
        { err: error, ...recordLogFields(this.facts, this.#envelope) },
        'could not write the failed record away; will retry',
      )
      return Math.min(30_000, 500 * 2 ** Math.min(this.#escalations, 6))
    }
  }

  #finish(outcome: RecordOutcome, error?: unknown): undefined {
    this.#done()
    this.#trace?.end(outcome, this.#attempt, error)
    return undefined
  }

  /** The partition was revoked: the record is left for its new owner (not done, not committed). */
  #abandoned(): undefined {
    this.#trace?.end('abandoned', this.#attempt)
    return undefined
  }
}

function definedTrace(trace: { traceparent: string | undefined; tracestate: string | undefined }) {
  const out: { traceparent?: string; tracestate?: string } = {}
  if (trace.traceparent) out.traceparent = trace.traceparent
  if (trace.tracestate) out.tracestate = trace.tracestate
  return out
}
