// One consumed record's way through the pipeline: decode → route → upcast and validate → handlers
// (behind the middleware) → done, or retry later, or escalate (retry topic / DLQ). A record is done
// for the offset tracker only when every handler succeeded or the failure was safely written away.
import type { Message } from '@platformatic/kafka'
import { payloadFor, type Decoded } from '../catalog/upcast.ts'
import { runInEventContext } from '../context/context.ts'
import { ReplayHeaders } from '../dlq/headers.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, KafkitError, UnknownEventTypeError, errorMessage, isRetryable } from '../errors.ts'
import type { RecordOutcome } from '../observability/names.ts'
import type { RecordTrace } from '../observability/consumer.ts'
import { Context, recordLogFields, type RecordFacts } from './context.ts'
import { isFramed } from '../registry/codec.ts'
import { decodeEnvelope, decodeFramedEnvelope, project, registryOutage } from './decode.ts'
import type { Job } from './pool.ts'
import { backoffDelay } from './retry.ts'
import type { RouteMatch } from './router.ts'
import type { PipelineDeps } from './pipeline.ts'
import type { PartitionOffsets } from './offsets.ts'

export type WireMessage = Message<Buffer, Buffer, Buffer, Buffer>

/** The facts of a record read from its source topic (a record from a retry tier uses originFacts). */
export function sourceFacts(message: WireMessage, headers: ReadonlyMap<string, string>, group: string): RecordFacts {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key?.toString('utf8'),
    timestamp: new Date(Number(message.timestamp)),
    headers,
    group,
    tier: -1,
  }
}

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

/** What a job needs from the group member that fetched its record. */
export interface RecordOwner {
  /** Whether this member still owns the partition with this exact offset tracker (not revoked since). */
  owns(job: RecordJob): boolean
}

export class RecordJob implements Job {
  readonly lane: string
  readonly message: WireMessage
  readonly facts: RecordFacts
  readonly offsets: PartitionOffsets
  /** Every header of the record as consumed (for tier records, with the retry bookkeeping). */
  readonly #headers: ReadonlyMap<string, string>
  readonly #deps: PipelineDeps
  readonly #owner: RecordOwner
  #attempt: number
  #envelope: Envelope | undefined
  /** Routes that already succeeded, when an earlier attempt failed on another route. */
  #succeeded: Set<number> | undefined
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
    offsets: PartitionOffsets,
    owner: RecordOwner,
  ) {
    this.#deps = deps
    this.message = message
    this.#headers = headers
    this.facts = facts
    this.lane = lane
    this.offsets = offsets
    this.#owner = owner
    this.#attempt = facts.tier >= 0 ? deps.priorAttempts(headers) : 0
  }

  abandon(): void {
    // Dropped unfinished (partition revoked or shutdown past its deadline): not marked done, so
    // the offset is not committed and the record is delivered again.
    this.#trace?.end('abandoned', this.#attempt)
  }

  /** One attempt; synchronous when the handler was, else a single promise. Never rejects. */
  step(): number | undefined | Promise<number | undefined> {
    if (!this.#owner.owns(this)) return this.#abandoned()
    if (this.#deps.telemetry) this.#trace ??= this.#deps.telemetry.startRecord(this.facts, this.facts.tier)
    if (this.#failure) return this.#escalate()
    const replayFor = this.#headers.get(ReplayHeaders.group)
    if (replayFor !== undefined && replayFor !== this.facts.group) return this.#finish('skipped') // replayed for another group
    this.#attempt++
    const envelope = this.#envelope
    if (envelope) return this.#route(envelope)
    let decoded: Envelope | Promise<Envelope>
    try {
      decoded = this.#decode()
    } catch (error) {
      return this.#undecodable(error)
    }
    if (decoded instanceof Promise) {
      return decoded.then(
        (e) => this.#decoded(e),
        (error: unknown) => this.#undecodable(error),
      )
    }
    return this.#decoded(decoded)
  }

  #decode(): Envelope | Promise<Envelope> {
    const value = this.message.value
    const deps = this.#deps
    if (isFramed(value)) {
      const record = { topic: this.facts.topic, timestamp: this.facts.timestamp }
      return decodeFramedEnvelope(deps.framed, value, this.facts.headers, record, deps.reading)
    }
    return decodeEnvelope(deps.registry, value, this.facts.headers, deps.reading)
  }

  #decoded(envelope: Envelope): number | undefined | Promise<number | undefined> {
    this.#envelope = envelope
    this.#trace?.decoded(envelope)
    return this.#route(envelope)
  }

  /**
   * A record that could not be decoded: to the DLQ, unless the cause was not the record (a schema
   * registry that does not answer). Then it waits and is tried again, uncommitted, and holds its key.
   */
  #undecodable(error: unknown): number | undefined | Promise<number | undefined> {
    if (!registryOutage(error)) return this.#fail(error, undefined)
    this.#attempt--
    if (this.#deps.stopping() || !this.#owner.owns(this)) return this.#abandoned()
    this.#escalations++
    this.#deps.logger.warn(
      { err: error, ...recordLogFields(this.facts, undefined) },
      `could not decode the record yet, will retry: ${errorMessage(error)}`,
    )
    return Math.min(30_000, 500 * 2 ** Math.min(this.#escalations - 1, 6))
  }

  #route(envelope: Envelope): number | undefined | Promise<number | undefined> {
    const routing = this.#deps.router.route(envelope.type, envelope.version)
    if (routing.kind !== 'routes') {
      const policy = routing.kind === 'unknown' ? this.#deps.onUnknownType : this.#deps.onUnhandled
      if (policy === 'skip') {
        this.#deps.logger.debug(recordLogFields(this.facts, envelope), `skipping ${routing.kind} event type`)
        return this.#finish('skipped')
      }
      return this.#fail(new UnknownEventTypeError(envelope.type, { retryable: false }), undefined)
    }
    return routing.matches.length === 1
      ? this.#runOne(routing.matches[0]!, envelope)
      : this.#runAll(routing.matches, envelope)
  }

  /** The common case, one handler: no await, and a promise only if the handler returned one. */
  #runOne(match: RouteMatch, envelope: Envelope): number | undefined | Promise<number | undefined> {
    let pending: Promise<void> | undefined
    try {
      pending = this.#invoke(match, envelope)
    } catch (error) {
      return this.#attempted(match, envelope, error)
    }
    if (!pending) return this.#attempted(match, envelope, undefined)
    return pending.then(
      () => this.#attempted(match, envelope, undefined),
      (error: unknown) => this.#attempted(match, envelope, error),
    )
  }

  /** Several handlers match (an exact one and a wildcard): each runs once, a retry runs only the failed ones. */
  async #runAll(matches: readonly RouteMatch[], envelope: Envelope): Promise<number | undefined> {
    let failed: { error: unknown; match: RouteMatch } | undefined
    for (const match of matches) {
      if (this.#succeeded?.has(match.route.id)) continue
      try {
        const pending = this.#invoke(match, envelope)
        if (pending) await pending
        ;(this.#succeeded ??= new Set()).add(match.route.id)
      } catch (error) {
        failed ??= { error, match }
        this.#logHandlerFailure(match, envelope, error)
      }
    }
    return failed ? this.#retryOrFail(failed.match, failed.error) : this.#finish('handled')
  }

  #attempted(match: RouteMatch, envelope: Envelope, error: unknown): number | undefined | Promise<number | undefined> {
    if (error === undefined) return this.#finish('handled')
    this.#logHandlerFailure(match, envelope, error)
    return this.#retryOrFail(match, error)
  }

  #logHandlerFailure(match: RouteMatch, envelope: Envelope, error: unknown) {
    this.#deps.logger.warn(
      { err: error, ...recordLogFields(this.facts, envelope), handler: match.route.name, attempt: this.#attempt },
      `handler failed: ${errorMessage(error)}`,
    )
  }

  /** After a failed attempt: wait and retry in this process, or hand the record on (retry topic or DLQ). */
  #retryOrFail(match: RouteMatch, error: unknown): number | undefined | Promise<number | undefined> {
    if (!this.#owner.owns(this)) return this.#abandoned()
    const policy = this.#deps.retryPolicy(match.route)
    if (this.#attempt < policy.maxAttempts && isRetryable(error) && !this.#deps.stopping()) {
      this.#firstFailure ??= new Date()
      this.#deps.observer.onRetry?.(this, error)
      const delay = backoffDelay(policy, this.#attempt)
      this.#trace?.retry(error, this.#attempt, delay)
      return delay
    }
    return this.#fail(error, match.route.name)
  }

  /** Upcasts and validates the payload, then runs the handler; a promise only when something was asynchronous. */
  #invoke(match: RouteMatch, envelope: Envelope): Promise<void> | undefined {
    const decoded = payloadFor(envelope, match.target)
    if (decoded instanceof Promise) return decoded.then((d) => this.#call(match, envelope, d))
    return this.#call(match, envelope, decoded)
  }

  #call(match: RouteMatch, envelope: Envelope, decoded: Decoded<unknown>): Promise<void> | undefined {
    if (decoded.upcastedFrom.length > 0) this.#trace?.upcast(decoded.upcastedFrom, match.target.version)
    let event: Envelope = decoded.payload === envelope.payload ? envelope : { ...envelope, payload: decoded.payload }
    const fields = match.route.options.fields
    if (fields) event = project(event, fields)
    const ctx = new Context(
      this.facts,
      envelope,
      this.#attempt,
      decoded.upcastedFrom,
      this.#deps.logger,
      this.#deps.publisher,
      match.route.options.timeoutMs ?? this.#deps.handlerTimeoutMs,
    )
    const handler = this.#deps.handlerFor(match.route)
    const run = () => runInEventContext(envelope, this.facts.headers, () => handler(event, ctx))
    const recordTrace = this.#trace
    const started = recordTrace ? performance.now() : 0
    const active = this.#deps.active
    const settle = (failure: unknown) => {
      active.delete(ctx)
      ctx.interrupt = undefined
      recordTrace?.handlerDone(started, match.route.name, failure)
    }
    active.add(ctx)
    let result: unknown
    try {
      // Inside the process span's context: what the handler publishes continues the trace.
      result = recordTrace ? recordTrace.run(run) : run()
    } catch (error) {
      settle(error ?? new Error('the handler failed without an error'))
      throw error
    }
    if (!isThenable(result)) {
      settle(undefined)
      return undefined
    }
    // The attempt ends when the handler settles, or earlier when it times out or the consumer stops.
    return new Promise<void>((resolve, reject) => {
      let settled = false
      const finish = (error: unknown) => {
        if (settled) return
        settled = true
        settle(error)
        if (error === undefined) resolve()
        // Whatever the handler threw goes on as is: retry classification reads it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        else reject(error)
      }
      ctx.interrupt = finish
      result.then(
        () => finish(undefined),
        (error: unknown) => finish(error ?? new Error('the handler failed without an error')),
      )
    })
  }

  #fail(error: unknown, handler: string | undefined): Promise<number | undefined> {
    this.#firstFailure ??= new Date()
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
    this.offsets.done(this.message.offset)
    this.#trace?.end(outcome, this.#attempt, error)
    return undefined
  }

  /** The partition was revoked: the record is left for its new owner (not done, not committed). */
  #abandoned(): undefined {
    this.#trace?.end('abandoned', this.#attempt)
    return undefined
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}
