// Batch handlers (consumer.onBatch). A record of a batch topic is decoded, routed, upcast and
// validated straight into the open batch of its partition (or of its key, within the partition),
// holding only the record and its event. Whatever is not that simple case (a record that fails to
// decode or validate, a skipped or unrouted one, a schema registry's, an upcast one, a retry
// tier's, one traced by an OpenTelemetry SDK) goes through a job of its own like any other record,
// and the records of its partition read after it wait behind that job, so batches keep offset
// order. A batch closes when it is full or its first record has waited `maxWait`, and runs as one
// job in its own lane of the worker pool, so the batches of a partition run one after another.
// Its records are done (their offsets committable) only when the batch is: a failed batch is
// retried whole by the route's retry policy, then split (each record tried alone, so that only the
// poison ones are written to a retry tier or the DLQ) or, with onFailure "whole", all written away.
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import { payloadAtOnce } from '../catalog/upcast.ts'
import { ReplayHeaders } from '../dlq/headers.ts'
import { decodesFresh } from '../envelope/registry.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, HandlerError, HandlerTimeoutError, KafkitError, errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import { instruments, tracing } from '../observability/api.ts'
import { isFramed } from '../registry/codec.ts'
import type { PublishOptions } from '../producer/types.ts'
import type { Clock, Timer } from '../util/clock.ts'
import { recordLogFields, type RecordFacts } from './context.ts'
import { decodeEnvelope, project } from './decode.ts'
import { RecordHeaders } from './headers.ts'
import type { BatchIntake, RecordJob, RunnerState } from './job.ts'
import type { FetchedRecord } from './member.ts'
import type { AssignedPartition } from './partitions.ts'
import type { Pipeline } from './pipeline.ts'
import type { Job, StepOutcome, WorkerPool } from './pool.ts'
import { UNAVAILABLE_BACKOFF, backoffDelay, shouldRetry } from './retry.ts'
import type { Route } from './router.ts'
import type { AttemptStage } from './staging.ts'
import type {
  BatchContext,
  BatchPublishOptions,
  BatchRecord,
  HandlerPublishResult,
  PublishInHandlerOptions,
} from './types.ts'

const NO_ERROR = () => new Error('the batch handler failed without an error')

/** The facts of a record (where it first came from), from its headers: the runner's. */
export type FactsOf = (record: FetchedRecord, headers: ReadonlyMap<string, string>) => RecordFacts

/**
 * A record in a batch. Taken directly (no job), it holds the record and its event only; its facts
 * are made when something reads them (ctx.records, a log line, a DLQ write).
 */
class Member {
  readonly record: FetchedRecord
  readonly event: Envelope
  /** The record's own job, when it came through one (see Batcher.take). */
  readonly job: RecordJob | undefined
  #facts: RecordFacts | undefined
  /** Set once tries of this record alone (a split) gave up: the error to write it away with. */
  failure: unknown = undefined
  /** Handled, or written away. */
  done = false
  /** A record without a job, being written away: what its failure record says. */
  writing: { error: unknown; handler: string; attempts: number; firstFailure: Date } | undefined

  constructor(record: FetchedRecord, event: Envelope, job: RecordJob | undefined) {
    this.record = record
    this.event = event
    this.job = job
  }

  facts(of: FactsOf): RecordFacts {
    if (this.job) return this.job.facts
    this.#facts ??= of(this.record, new RecordHeaders(this.record.headerEntries))
    return this.#facts
  }
}

/** Where a batch is: tried whole, then each record alone, or all its records written away. */
type Phase =
  | { name: 'whole' }
  | { name: 'split'; index: number; attempt: number }
  | { name: 'escalate'; index: number; error: unknown }

/** One attempt of the handler: the context it got and how to end it early. */
interface Call {
  ctx: CallContext
  settle: (error: unknown) => void
}

/** The open batches of one group member, by partition assignment, route and (by key) key. */
export class Batcher implements BatchIntake {
  readonly #pool: WorkerPool
  readonly #pipeline: Pipeline
  readonly #runner: RunnerState
  readonly #clock: Clock
  readonly #maxInFlight: number
  readonly #open = new Map<string, BatchJob>()
  /**
   * The batch the last record joined: records come in runs of one partition, so with batches by
   * partition most records find their batch here, without making its key.
   */
  #recent: BatchJob | undefined
  /** The batch the last record added closed, if it did (see takeClosedUnfinished). */
  #justClosed: BatchJob | undefined
  readonly #factsOf: FactsOf
  /** Whether records may be taken without a job (not a retry tier's, whose records wait and carry origins). */
  readonly #direct: boolean
  /** Records of a partition going through jobs of their own: until they are in, later ones queue behind. */
  readonly #queued = new Map<object, number>()
  /** Whether the decoded envelopes are new objects of the batcher's own (decodesFresh). */
  readonly #fresh: boolean

  constructor(
    pool: WorkerPool,
    pipeline: Pipeline,
    runner: RunnerState,
    clock: Clock,
    maxInFlight: number,
    options: { facts: FactsOf; direct: boolean },
  ) {
    this.#pool = pool
    this.#pipeline = pipeline
    this.#runner = runner
    this.#clock = clock
    this.#maxInFlight = maxInFlight
    this.#factsOf = options.facts
    this.#direct = options.direct
    this.#fresh = decodesFresh(pipeline.registry)
  }

  get openCount(): number {
    return this.#open.size
  }

  /**
   * Whether the last record added filled its batch and that batch has not finished (its handler
   * returned a promise, or its lane is busy). The runner then ends its read stretch: read on
   * synchronously, it would fill the pool with closed batches whose records outlive young-generation
   * collections.
   */
  takeClosedUnfinished(): boolean {
    const closed = this.#justClosed
    this.#justClosed = undefined
    return closed !== undefined && !closed.finished
  }

  /** A record that came through its own job (RecordJob), decoded, upcast and validated. */
  add(job: RecordJob, route: Route, event: Envelope): void {
    this.#join(job.owner, route, new Member(job.record, event, job))
  }

  /**
   * Takes a record of a batch topic straight into its batch: decoded, routed, upcast and validated
   * here, with no job. False when the record needs its own job (submit it through `queue`): it failed
   * one of those stages, is skipped or not a batch handler's, waits for a schema registry or an
   * asynchronous upcaster, is traced, or records of its partition are still queued in jobs.
   */
  take(record: FetchedRecord, headers: ReadonlyMap<string, string>, owner: AssignedPartition): boolean {
    if (!this.#direct || this.#queued.has(owner)) return false
    const pipeline = this.#pipeline
    // Spans and metrics are made per record by the job (a no-op without an OpenTelemetry SDK).
    if (pipeline.telemetry && (tracing() || instruments())) return false
    const value = record.value
    if (isFramed(value) || headers.get(ReplayHeaders.group) !== undefined) return false
    let envelope: Envelope
    try {
      envelope = decodeEnvelope(pipeline.registry, value, headers, pipeline.reading)
    } catch {
      return false // its job decodes it again, and dead-letters it
    }
    const routing = pipeline.router.route(envelope.type, envelope.version)
    if (routing.kind !== 'routes') return false
    const match = routing.matches[0]!
    if (!match.route.batch) return false
    // Validated at its own version, synchronously; anything else (an upcast, an asynchronous or a
    // failed validation) goes through its job, which tries again under the route's retry policy.
    const valid = payloadAtOnce(envelope, match.resolution)
    if (valid === undefined) return false
    let event = envelope
    if (valid.value !== envelope.payload) {
      // A built-in codec's envelope was parsed here and nothing else holds it: the validator's
      // payload replaces the parsed one in place (no copy of the envelope per record). A codec of
      // the application's may hand out an object it keeps: that one is copied.
      if (this.#fresh) (envelope as { payload: unknown }).payload = valid.value
      else event = { ...envelope, payload: valid.value }
    }
    const fields = match.route.options.fields
    if (fields) event = project(event, fields)
    this.#join(owner, match.route, new Member(record, event, undefined))
    return true
  }

  /**
   * A record of a batch topic that goes through its own job: the records of its partition read
   * after it are not taken directly until it has joined its batch (or is done), to keep offset order.
   */
  queue(job: RecordJob): Job {
    const owner = job.owner
    this.#queued.set(owner, (this.#queued.get(owner) ?? 0) + 1)
    return new QueuedRecord(job, () => {
      const left = this.#queued.get(owner)! - 1
      if (left > 0) this.#queued.set(owner, left)
      else this.#queued.delete(owner)
    })
  }

  #join(owner: AssignedPartition, route: Route, member: Member): void {
    const spec = route.batch!.spec
    const recent = this.#recent
    let batch = spec.by === 'partition' && recent?.owner === owner && recent.route === route ? recent : undefined
    if (!batch) {
      const key =
        spec.by === 'key'
          ? `${owner.epoch}|${route.id}|${member.record.key?.toString('latin1') ?? ''}`
          : `${owner.epoch}|${route.id}`
      batch = this.#open.get(key) ?? this.#openBatch(key, owner, route)
      this.#recent = batch
    }
    this.#pool.hold(1)
    batch.add(member)
    if (batch.size >= Math.min(spec.maxSize, this.#maxInFlight)) {
      this.#close(batch)
      // Checked once the pool ran what it could (a batch closed within a job's step runs later in that pump).
      this.#justClosed = batch
    }
  }

  #openBatch(key: string, owner: AssignedPartition, route: Route): BatchJob {
    const batch = new BatchJob(key, owner, route, this.#pipeline, this.#runner, this.#pool, this.#clock, this.#factsOf)
    this.#open.set(key, batch)
    batch.timer = this.#clock.setTimeout(() => this.#close(batch), route.batch!.spec.maxWaitMs)
    return batch
  }

  /** Closes every open batch now (the pool is full, or the consumer stops): they run as they are. */
  closeAll(): void {
    for (const batch of [...this.#open.values()]) this.#close(batch)
  }

  /** Drops the open batches of partitions given up: their records are left to the next owner. */
  discard(owners: ReadonlySet<object>): void {
    for (const [key, batch] of [...this.#open]) {
      if (!owners.has(batch.owner)) continue
      this.#open.delete(key)
      if (this.#recent === batch) this.#recent = undefined
      this.#clock.clearTimeout(batch.timer)
      batch.abandon()
    }
  }

  #close(batch: BatchJob): void {
    if (this.#open.get(batch.key) !== batch) return
    this.#open.delete(batch.key)
    if (this.#recent === batch) this.#recent = undefined
    this.#clock.clearTimeout(batch.timer)
    batch.timer = undefined
    this.#pool.submit(batch)
  }
}

/** A batch topic's record in a job of its own; tells the Batcher once it left its lane. */
class QueuedRecord implements Job {
  readonly job: RecordJob
  readonly #left: () => void
  #gone = false

  constructor(job: RecordJob, left: () => void) {
    this.job = job
    this.#left = left
  }

  get lane(): string {
    return this.job.lane
  }

  get owner(): AssignedPartition {
    return this.job.owner
  }

  get escalating(): boolean {
    return this.job.escalating
  }

  /** The handler attempt running now (the runner times it). */
  get running(): RecordJob['running'] {
    return this.job.running
  }

  step(): StepOutcome | Promise<StepOutcome> {
    const outcome = this.job.step()
    return typeof outcome === 'object' ? Promise.resolve(outcome).then((o) => this.#after(o)) : this.#after(outcome)
  }

  #after(outcome: StepOutcome): StepOutcome {
    if (typeof outcome !== 'number') this.#leave()
    return outcome
  }

  abandon(): void {
    this.#leave()
    this.job.abandon()
  }

  interrupt(reason: Error): void {
    this.job.interrupt(reason)
  }

  #leave(): void {
    if (this.#gone) return
    this.#gone = true
    this.#left()
  }
}

export class BatchJob implements Job {
  /** Its key among the open batches (assignment epoch, route and, by key, the record key). */
  readonly key: string
  readonly lane: string
  readonly owner: AssignedPartition
  readonly route: Route
  timer: Timer | undefined
  readonly #route: Route
  readonly #pipeline: Pipeline
  readonly #runner: RunnerState
  readonly #pool: WorkerPool
  readonly #clock: Clock
  readonly #factsOf: FactsOf
  readonly #members: Member[] = []
  #phase: Phase = { name: 'whole' }
  /** Failed writes of a record without a job (retry tier, DLQ), for the backoff. */
  #unavailable = 0
  #attempt = 0
  #call: Call | undefined
  /** Whether the records it holds were given back to the pool's count. */
  #released = false

  constructor(
    key: string,
    owner: AssignedPartition,
    route: Route,
    pipeline: Pipeline,
    runner: RunnerState,
    pool: WorkerPool,
    clock: Clock,
    factsOf: FactsOf,
  ) {
    this.key = key
    this.#factsOf = factsOf
    this.lane = `batch|${key}`
    this.owner = owner
    this.route = route
    this.#route = route
    this.#pipeline = pipeline
    this.#runner = runner
    this.#pool = pool
    this.#clock = clock
  }

  get size(): number {
    return this.#members.length
  }

  /** Its records were given back to the pool (done or given up). */
  get finished(): boolean {
    return this.#released
  }

  add(member: Member): void {
    this.#members.push(member)
  }

  step(): StepOutcome | Promise<StepOutcome> {
    if (this.owner.revoked) return this.#giveUp()
    if (this.#phase.name !== 'whole') return this.#runRest()
    // The first tries are made directly: a handler that returns without a promise finishes the batch
    // within this step, so its records are released before the runner reads on (no promise, no
    // microtask). Records held across the reads that follow would survive young-generation collections.
    const tried = this.#try(this.#members, ++this.#attempt)
    return tried instanceof Promise ? tried.then((error) => this.#afterWhole(error)) : this.#afterWhole(tried.error)
  }

  abandon(): void {
    this.#giveUp()
  }

  interrupt(reason: Error): void {
    const call = this.#call
    if (!call) return
    call.ctx.abort(reason)
    call.settle(reason)
  }

  /** After a try of the whole batch: done, tried again after a delay, or on to the split or escalation. */
  #afterWhole(error: unknown): StepOutcome | Promise<StepOutcome> {
    const members = this.#members
    if (error === undefined) {
      for (const m of members) this.#completed(m, this.#attempt)
      return this.#end()
    }
    if (this.#leaving()) return this.#giveUp()
    this.#logFailure(members, error, this.#attempt)
    const policy = this.#pipeline.retryPolicyOf(this.#route)
    if (shouldRetry(policy, this.#attempt, error)) return backoffDelay(policy, this.#attempt)
    this.#phase =
      this.#route.batch!.spec.onFailure === 'split' && members.length > 1
        ? { name: 'split', index: 0, attempt: 0 }
        : { name: 'escalate', index: 0, error }
    return this.#runRest()
  }

  /** Each record alone (split), or each written away (escalate), from where the last step stopped. */
  async #runRest(): Promise<StepOutcome> {
    const members = this.#members
    const policy = this.#pipeline.retryPolicyOf(this.#route)
    const name = this.#route.name
    const phase = this.#phase
    if (phase.name === 'split') {
      while (phase.index < members.length) {
        const member = members[phase.index]!
        if (member.failure === undefined) {
          const tried = this.#try([member], ++phase.attempt)
          const error = tried instanceof Promise ? await tried : tried.error
          if (error === undefined) {
            this.#completed(member, this.#attempt + phase.attempt)
            phase.index++
            phase.attempt = 0
            continue
          }
          if (this.#leaving()) return this.#giveUp()
          this.#logFailure([member], error, phase.attempt)
          if (shouldRetry(policy, phase.attempt, error)) return backoffDelay(policy, phase.attempt)
          member.failure = error
        }
        const outcome = await this.#failed(member, member.failure, name, this.#attempt + phase.attempt)
        if (outcome === 'abandoned') return this.#giveUp()
        if (typeof outcome === 'number') return outcome // the write failed: tried again after the delay
        member.done = true
        phase.index++
        phase.attempt = 0
      }
      return this.#end()
    }
    if (phase.name === 'escalate') {
      while (phase.index < members.length) {
        const member = members[phase.index]!
        const outcome = await this.#failed(member, phase.error, name, this.#attempt)
        if (outcome === 'abandoned') return this.#giveUp()
        if (typeof outcome === 'number') return outcome
        member.done = true
        phase.index++
      }
    }
    return this.#end()
  }

  #leaving(): boolean {
    return this.owner.revoked || this.#runner.stopping
  }

  /** The record was handled (with the batch, or alone in a split): its offset is done. */
  #completed(member: Member, attempts: number): void {
    member.done = true
    if (member.job) member.job.completedInBatch(attempts)
    else this.owner.offsets.done(member.record.offset)
  }

  /**
   * Writes a record the batch gave up on to a retry tier or the DLQ, as its job would (for a record
   * without one, here): undefined once written, a delay to try the write again after, or 'abandoned'.
   */
  #failed(member: Member, error: unknown, handler: string, attempts: number): Promise<StepOutcome> {
    if (member.job) return member.job.failedInBatch(error, handler, attempts)
    member.writing ??= {
      error: HandlerError.of(error),
      handler,
      attempts,
      firstFailure: new Date(this.#clock.now()),
    }
    return this.#writeAway(member, member.writing)
  }

  async #writeAway(member: Member, failure: NonNullable<Member['writing']>): Promise<StepOutcome> {
    if (this.#leaving()) return 'abandoned'
    const facts = member.facts(this.#factsOf)
    try {
      await this.#pipeline.escalate({
        record: member.record,
        facts,
        headers: facts.headers,
        envelope: member.event,
        error: failure.error,
        handler: failure.handler,
        attempts: failure.attempts,
        firstFailure: failure.firstFailure,
        lastFailure: new Date(this.#clock.now()),
      })
      this.owner.offsets.done(member.record.offset)
      return undefined
    } catch (error) {
      // The write failed: the offset stays uncommitted, and the write is tried again.
      if (this.#leaving()) return 'abandoned'
      this.#pipeline.logger.error(
        { err: error, ...recordLogFields(facts, member.event) },
        'could not write the failed record away; will retry',
      )
      return backoffDelay(UNAVAILABLE_BACKOFF, ++this.#unavailable)
    }
  }

  /**
   * One call of the handler with `members`' events: its error (undefined if none), directly when the
   * handler returned without a promise, else through a promise bounded by the handler timeout.
   */
  #try(members: readonly Member[], attempt: number): { error: unknown } | Promise<unknown> {
    // A transactional consumer stages the attempt's publishes with its last (highest) record: they
    // commit with the offset past it, which needs every record of the batch (and before it) done.
    const stage = this.#pipeline.staging?.attempt(members.at(-1)!.record)
    const ctx = new CallContext(this.#route, this.#pipeline, members, attempt, this.#factsOf, stage)
    const started = this.#clock.now()
    let result: unknown
    try {
      result = this.#route.batch!.handler(
        members.map((m) => m.event),
        ctx,
      )
    } catch (error) {
      stage?.settled(error ?? NO_ERROR())
      return { error: error ?? NO_ERROR() }
    }
    if (!(result instanceof Promise)) {
      stage?.settled(undefined)
      return { error: undefined }
    }
    const pending = result
    const timeoutMs = this.#pipeline.timeoutOf(this.#route)
    return new Promise<unknown>((resolve) => {
      let timer: Timer | undefined
      const settle = (error: unknown) => {
        if (this.#call?.settle !== settle) return
        this.#call = undefined
        this.#clock.clearTimeout(timer)
        // Its outputs are staged if it succeeded; dropped if it failed, timed out or was given up.
        stage?.settled(error)
        resolve(error)
      }
      this.#call = { ctx, settle }
      if (timeoutMs !== undefined) {
        timer = this.#clock.setTimeout(
          () => {
            const error = new HandlerTimeoutError(timeoutMs)
            ctx.abort(error)
            settle(error)
          },
          Math.max(0, timeoutMs - (this.#clock.now() - started)),
        )
      }
      pending.then(
        () => settle(undefined),
        (error: unknown) => settle(error ?? NO_ERROR()),
      )
    })
  }

  #logFailure(members: readonly Member[], error: unknown, attempt: number): void {
    const first = members[0]!.facts(this.#factsOf)
    const last = members[members.length - 1]!.facts(this.#factsOf)
    this.#pipeline.logger.warn(
      {
        err: error,
        topic: first.topic,
        partition: first.partition,
        firstOffset: first.offset.toString(),
        lastOffset: last.offset.toString(),
        records: members.length,
        handler: this.#route.name,
        attempt,
      },
      `batch handler failed: ${errorMessage(error)}`,
    )
  }

  /** Done: every record finished (handled or written away). */
  #end(): undefined {
    this.#release()
    return undefined
  }

  /** Left unfinished (revoked, stopping): the records not done are delivered again. */
  #giveUp(): 'abandoned' {
    if (!this.#released) for (const m of this.#members) if (!m.done) m.job?.abandon()
    this.#release()
    return 'abandoned'
  }

  #release(): void {
    if (this.#released) return
    this.#released = true
    this.#pool.release(this.#members.length)
  }
}

/**
 * The BatchContext of one call. The records, logger and AbortController are made on first use: a
 * handler that reads only its events costs no object, key text or Date per record.
 */
class CallContext implements BatchContext {
  readonly topic: string
  readonly partition: number
  readonly key: string | undefined
  readonly attempt: number
  readonly group: string
  readonly #pipeline: Pipeline
  readonly #route: Route
  readonly #members: readonly Member[]
  readonly #factsOf: FactsOf
  #records: readonly BatchRecord[] | undefined
  #logger: Logger | undefined
  #controller: AbortController | undefined

  readonly #stage: AttemptStage | undefined

  constructor(
    route: Route,
    pipeline: Pipeline,
    members: readonly Member[],
    attempt: number,
    factsOf: FactsOf,
    stage: AttemptStage | undefined,
  ) {
    this.#factsOf = factsOf
    this.#stage = stage
    const first = members[0]!.facts(factsOf)
    this.topic = first.topic
    this.partition = first.partition
    this.key = route.batch!.spec.by === 'key' ? first.key : undefined
    this.attempt = attempt
    this.group = first.group
    this.#pipeline = pipeline
    this.#route = route
    this.#members = members
  }

  get records(): readonly BatchRecord[] {
    this.#records ??= this.#members.map((member) => {
      const facts = member.facts(this.#factsOf)
      return {
        topic: facts.topic,
        partition: facts.partition,
        offset: facts.offset,
        key: facts.key,
        timestamp: facts.timestamp,
        headers: facts.headers,
      }
    })
    return this.#records
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController()
    return this.#controller.signal
  }

  get logger(): Logger {
    this.#logger ??= this.#pipeline.logger.child({
      topic: this.topic,
      partition: this.partition,
      firstOffset: this.#members[0]?.facts(this.#factsOf).offset.toString(),
      lastOffset: this.#members[this.#members.length - 1]?.facts(this.#factsOf).offset.toString(),
      handler: this.#route.name,
      attempt: this.attempt,
    })
    return this.#logger
  }

  abort(reason: Error): void {
    this.#controller ??= new AbortController()
    if (!this.#controller.signal.aborted) this.#controller.abort(reason)
  }

  publish<E extends AnyEvent>(
    event: E,
    payload: InputOf<E>,
    options?: BatchPublishOptions,
  ): Promise<HandlerPublishResult> {
    const publisher = this.#stage ?? this.#pipeline.publisher
    if (!publisher)
      return Promise.reject(new KafkitError(ErrorCodes.CONSUMER_STATE, 'this consumer has no producer to publish with'))
    return publisher.publish(event, payload, withCause(options))
  }
}

/** What the publishers take: the handler's options, with the cause the producer reads from the context otherwise. */
type HandlerPublishOptions = PublishInHandlerOptions & Pick<PublishOptions, 'causationId' | 'correlationId'>

/** The producer's options for a batch's publish: `causedBy` named as the event's cause and correlation. */
function withCause(options: BatchPublishOptions | undefined): HandlerPublishOptions | undefined {
  if (!options?.causedBy) return options
  const { causedBy, ...rest } = options
  return { ...rest, causationId: causedBy.id, correlationId: causedBy.correlation_id }
}
