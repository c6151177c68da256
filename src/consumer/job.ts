// One record's way through the pipeline once admitted. Each step runs the stages in reading order:
// decode → route → (upcast and validate → handler, per matching route) → then the record is done,
// or retried in this process after a backoff, or escalated to a retry tier or the DLQ. The record is
// done for its partition (its offset may be committed) only when every handler succeeded, it was
// skipped, or its failure was written away. The job holds this record's state and nothing else.
import { ReplayHeaders } from '../dlq/headers.ts'
import type { Envelope } from '../envelope/types.ts'
import { HandlerError, UnknownEventTypeError, errorMessage } from '../errors.ts'
import type { RecordTrace } from '../observability/consumer.ts'
import type { RecordOutcome } from '../observability/names.ts'
import { recordLogFields, type RecordFacts } from './context.ts'
import { decodeRecord, registryOutage } from './decode.ts'
import { rejectOnFailure, runHandler, type AttemptOf, type HandlerRun, type Pending, adopt } from './handle.ts'
import type { FetchedRecord } from './member.ts'
import type { AssignedPartition } from './partitions.ts'
import type { Pipeline } from './pipeline.ts'
import type { Job, PendingStep, StepOutcome } from './pool.ts'
import { UNAVAILABLE_BACKOFF, backoffDelay, shouldRetry } from './retry.ts'
import type { Route, RouteMatch } from './router.ts'
import { payloadFor, type Decoded } from '../catalog/upcast.ts'
import { project } from './decode.ts'
import { priorAttempts } from './tiers.ts'

/** What a job needs to know of the group member that fetched its record. */
export interface RunnerState {
  /** Once stop() began, a record is not retried nor escalated: it stays uncommitted, delivered again. */
  readonly stopping: boolean
  /** Where records for a batch handler go (batch.ts); undefined when no handler takes batches. */
  readonly batches?: BatchIntake | undefined
}

/** Takes a record whose route is a batch handler's, decoded, upcast and validated. */
export interface BatchIntake {
  add(job: RecordJob, route: Route, event: Envelope): void
}

export class RecordJob implements Job, AttemptOf {
  readonly lane: string
  readonly owner: AssignedPartition
  readonly record: FetchedRecord
  readonly facts: RecordFacts
  running: HandlerRun | undefined
  /** Every header as consumed (for a tier record, with the retry bookkeeping). */
  readonly #headers: ReadonlyMap<string, string>
  readonly #pipeline: Pipeline
  readonly #runner: RunnerState
  #attempt: number
  #envelope: Envelope | undefined
  /** Routes that already succeeded, when an earlier attempt failed on another route. */
  #succeeded: Set<number> | undefined
  #firstFailure: Date | undefined
  /** Set once handling gave up: the record is to be written to a retry tier or the DLQ. */
  #failure: { error: unknown; handler: string | undefined } | undefined
  /** Failed tries of something this record waits for: a retry-tier or DLQ write, a schema registry. */
  #unavailable = 0
  #trace: RecordTrace | undefined

  constructor(
    pipeline: Pipeline,
    runner: RunnerState,
    record: FetchedRecord,
    headers: ReadonlyMap<string, string>,
    facts: RecordFacts,
    lane: string,
    owner: AssignedPartition,
  ) {
    this.#pipeline = pipeline
    this.#runner = runner
    this.record = record
    this.#headers = headers
    this.facts = facts
    this.lane = lane
    this.owner = owner
    this.#attempt = facts.tier >= 0 ? priorAttempts(headers) : 0
  }

  /** Handling gave up: the record's failure is being written to a retry tier or the DLQ. */
  get escalating(): boolean {
    return this.#failure !== undefined
  }

  get trace(): RecordTrace | undefined {
    return this.#trace
  }

  /** One attempt; synchronous when the handler was, else a single promise. Never rejects. */
  step(): StepOutcome | PendingStep {
    if (this.owner.revoked) return this.#giveUp()
    const telemetry = this.#pipeline.telemetry
    if (telemetry) this.#trace ??= telemetry.startRecord(this.facts, this.facts.tier)
    if (this.#failure) return this.#escalate()
    // Replayed for another consumer group: not ours to handle again.
    const replayFor = this.#headers.get(ReplayHeaders.group)
    if (replayFor !== undefined && replayFor !== this.facts.group) return this.#finish('skipped')
    this.#attempt++
    const envelope = this.#envelope
    if (envelope) return this.#route(envelope)
    // Decode.
    let decoded: Envelope | Promise<Envelope>
    try {
      decoded = decodeRecord(this.#pipeline, this.record.value, this.facts)
    } catch (error) {
      return this.#undecodable(error)
    }
    return decoded instanceof Promise
      ? decoded.then(
          (e) => this.#adopted(this.#decoded(e)),
          (error: unknown) => this.#undecodable(error),
        )
      : this.#decoded(decoded)
  }

  /** A step's outcome where a promise's callback returns it (a Pending is adopted like a promise). */
  #adopted(outcome: StepOutcome | PendingStep): StepOutcome | PromiseLike<StepOutcome> {
    return typeof outcome === 'object' ? adopt(outcome) : outcome
  }

  #decoded(envelope: Envelope): StepOutcome | PendingStep {
    this.#envelope = envelope
    this.#trace?.decoded(envelope)
    return this.#route(envelope)
  }

  /**
   * A record that could not be decoded goes to the DLQ, unless the cause was not the record but a
   * schema registry that does not answer: then it waits and is tried again, uncommitted, holding its key.
   */
  #undecodable(error: unknown): StepOutcome | Promise<StepOutcome> {
    if (!registryOutage(error)) return this.#giveUpHandling(error, undefined)
    this.#attempt--
    if (this.owner.revoked || this.#runner.stopping) return this.#giveUp()
    this.#pipeline.logger.warn(
      { err: error, ...recordLogFields(this.facts, undefined) },
      `could not decode the record yet, will retry: ${errorMessage(error)}`,
    )
    return backoffDelay(UNAVAILABLE_BACKOFF, ++this.#unavailable)
  }

  /** Route, then upcast, validate and handle for each matching route. */
  #route(envelope: Envelope): StepOutcome | PendingStep {
    const routing = this.#pipeline.router.route(envelope.type, envelope.version)
    if (routing.kind !== 'routes') return this.#unrouted(routing.kind, envelope)
    const first = routing.matches[0]!
    if (first.route.batch) return this.#toBatch(first, envelope)
    return routing.matches.length === 1
      ? this.#runOne(routing.matches[0]!, envelope)
      : this.#runAll(routing.matches, envelope)
  }

  // ---- batch handlers: the record joins a batch, which finishes, fails or abandons it ----------------

  /** Upcast and validate as for a handler of its own, then hand the event to its batch. */
  #toBatch(match: RouteMatch, envelope: Envelope): StepOutcome | Promise<StepOutcome> {
    const batches = this.#runner.batches
    if (!batches) return this.#giveUpHandling(new Error('no batch intake for a batch handler'), match.route.name)
    let decoded: Decoded<unknown> | Promise<Decoded<unknown>>
    try {
      decoded = payloadFor(envelope, match.target)
    } catch (error) {
      return this.#attempted(match, envelope, error)
    }
    return decoded instanceof Promise
      ? decoded.then(
          (d) => this.#join(batches, match, envelope, d),
          (error: unknown) => this.#attempted(match, envelope, error),
        )
      : this.#join(batches, match, envelope, decoded)
  }

  /** The job's step is over; the record is done only when its batch is. */
  #join(batches: BatchIntake, match: RouteMatch, envelope: Envelope, decoded: Decoded<unknown>): undefined {
    let event: Envelope = decoded.payload === envelope.payload ? envelope : { ...envelope, payload: decoded.payload }
    const fields = match.route.options.fields
    if (fields) event = project(event, fields)
    batches.add(this, match.route, event)
    return undefined
  }

  /** Attempts made before this delivery (a retry-tier record's earlier ones). */
  get priorAttempts(): number {
    return this.#attempt - 1
  }

  /** Its batch succeeded (or, split, it did alone). */
  completedInBatch(attempts: number): void {
    this.#attempt = this.priorAttempts + attempts
    this.#finish('handled')
  }

  /**
   * Its batch gave up on it: written to a retry tier or the DLQ like any failed record. Called again
   * after a failed write (the returned delay), it tries the write again.
   */
  failedInBatch(error: unknown, handler: string, attempts: number): Promise<StepOutcome> {
    if (!this.#failure) {
      this.#attempt = this.#attempt + attempts - 1
      this.#firstFailure ??= new Date(this.#pipeline.clock.now())
      this.#failure = { error: HandlerError.of(error), handler }
    }
    return this.#escalate()
  }

  /** The pool dropped this job unfinished: not done, so not committed; it is delivered again. */
  abandon(): void {
    this.#trace?.end('abandoned', this.#attempt)
  }

  interrupt(reason: Error): void {
    this.running?.interrupt(reason)
  }

  #unrouted(kind: 'unknown' | 'unhandled', envelope: Envelope): StepOutcome | Promise<StepOutcome> {
    const policy = kind === 'unknown' ? this.#pipeline.onUnknownType : this.#pipeline.onUnhandled
    if (policy === 'skip') {
      this.#pipeline.logger.debug(recordLogFields(this.facts, envelope), `skipping ${kind} event type`)
      return this.#finish('skipped')
    }
    return this.#giveUpHandling(new UnknownEventTypeError(envelope.type, { retryable: false }), undefined)
  }

  /**
   * The common case, one handler: no await, and a promise only if the handler returned one; that
   * promise resolves with the step's outcome (RecordJob.#afterOne), with no promise chained to it.
   */
  #runOne(match: RouteMatch, envelope: Envelope): StepOutcome | PendingStep {
    let pending: Pending<StepOutcome> | undefined
    try {
      pending = runHandler(this.#pipeline, this, match, envelope, this.#attempt, RecordJob.#afterOne)
    } catch (error) {
      return this.#attempted(match, envelope, error)
    }
    return pending ?? this.#finish('handled')
  }

  /** After an asynchronous attempt of the only matching handler: the step's outcome. */
  static #afterOne(job: RecordJob, match: RouteMatch, error: unknown): StepOutcome | Promise<StepOutcome> {
    // The envelope was decoded before routing (step, #decoded).
    return error === undefined ? job.#finish('handled') : job.#attempted(match, job.#envelope!, error)
  }

  /** Several handlers match (an exact one and a wildcard): each runs once, a retry runs only the failed ones. */
  async #runAll(matches: readonly RouteMatch[], envelope: Envelope): Promise<StepOutcome> {
    let failed: { error: unknown; match: RouteMatch } | undefined
    for (const match of matches) {
      if (this.#succeeded?.has(match.route.id)) continue
      try {
        const pending = runHandler(this.#pipeline, this, match, envelope, this.#attempt, rejectOnFailure)
        if (pending) await pending
        ;(this.#succeeded ??= new Set()).add(match.route.id)
      } catch (error) {
        failed ??= { error, match }
        this.#logFailure(match, envelope, error)
      }
    }
    return failed ? this.#afterFailure(failed.match, failed.error) : this.#finish('handled')
  }

  #attempted(match: RouteMatch, envelope: Envelope, error: unknown): StepOutcome | Promise<StepOutcome> {
    this.#logFailure(match, envelope, error)
    return this.#afterFailure(match, error)
  }

  #logFailure(match: RouteMatch, envelope: Envelope, error: unknown) {
    // In the record span's context, so that the line carries its trace_id and span_id.
    const log = () =>
      this.#pipeline.logger.warn(
        { err: error, ...recordLogFields(this.facts, envelope), handler: match.route.name, attempt: this.#attempt },
        `handler failed: ${errorMessage(error)}`,
      )
    if (this.#trace) this.#trace.run(log)
    else log()
  }

  /** After a failed attempt: wait and retry in this process, or give handling up. */
  #afterFailure(match: RouteMatch, error: unknown): StepOutcome | Promise<StepOutcome> {
    if (this.owner.revoked || this.#runner.stopping) return this.#giveUp()
    const policy = this.#pipeline.retryPolicyOf(match.route)
    if (shouldRetry(policy, this.#attempt, error)) {
      this.#firstFailure ??= new Date(this.#pipeline.clock.now())
      const delay = backoffDelay(policy, this.#attempt)
      this.#trace?.retry(error, this.#attempt, delay)
      return delay
    }
    return this.#giveUpHandling(error, match.route.name)
  }

  /** Handling is over without success: the record goes to a retry tier or the DLQ. */
  #giveUpHandling(error: unknown, handler: string | undefined): StepOutcome | Promise<StepOutcome> {
    if (this.#runner.stopping) return this.#giveUp()
    this.#firstFailure ??= new Date(this.#pipeline.clock.now())
    // A handler's own error is wrapped, so that its failure record carries KAFKIT_HANDLER_FAILED.
    this.#failure = { error: handler === undefined ? error : HandlerError.of(error), handler }
    return this.#escalate()
  }

  /** Writes the failure to a retry tier or the DLQ; only then is the record done. */
  async #escalate(): Promise<StepOutcome> {
    if (this.owner.revoked || this.#runner.stopping) return this.#giveUp()
    const failure = this.#failure!
    const write = () =>
      this.#pipeline.escalate({
        record: this.record,
        facts: this.facts,
        headers: this.#headers,
        envelope: this.#envelope,
        error: failure.error,
        handler: failure.handler,
        attempts: this.#attempt,
        firstFailure: this.#firstFailure!,
        lastFailure: new Date(this.#pipeline.clock.now()),
      })
    try {
      // In the span's context, so the DLQ or retry-topic write is its child.
      const where = await (this.#trace ? this.#trace.run(write) : write())
      this.#trace?.escalated(where, failure.error)
      return this.#finish(where.to === 'dlq' ? 'dead_lettered' : 'retry_topic', failure.error)
    } catch (error) {
      // The write failed: the offset stays uncommitted, and the write is tried again.
      this.#trace?.escalationFailed(error)
      if (this.owner.revoked || this.#runner.stopping) return this.#giveUp()
      this.#pipeline.logger.error(
        { err: error, ...recordLogFields(this.facts, this.#envelope) },
        'could not write the failed record away; will retry',
      )
      return backoffDelay(UNAVAILABLE_BACKOFF, ++this.#unavailable)
    }
  }

  #finish(outcome: RecordOutcome, error?: unknown): undefined {
    this.owner.offsets.done(this.record.offset)
    this.#trace?.end(outcome, this.#attempt, error)
    return undefined
  }

  /**
   * Left unfinished (the partition was revoked, or the consumer stops): not a failure. The record is
   * not done, so not committed; its next owner (or this consumer, restarted) handles it again.
   */
  #giveUp(): 'abandoned' {
    this.#trace?.end('abandoned', this.#attempt)
    return 'abandoned'
  }
}
