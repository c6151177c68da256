// Batch handlers (consumer.onBatch). A record routed to a batch handler is decoded, upcast and
// validated by its own job like any other (a record that fails there goes to the DLQ alone); its
// event then joins the open batch of its partition (or of its key, within the partition). A batch
// closes when it is full or its first record has waited `maxWait`, and runs as one job in its own
// lane of the worker pool, so the batches of a partition run one after another, in offset order.
// Its records are done (their offsets committable) only when the batch is: a failed batch is
// retried whole by the route's retry policy, then split (each record tried alone, so that only the
// poison ones are written to a retry tier or the DLQ) or, with onFailure "whole", all written away.
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, HandlerTimeoutError, KafkitError, errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { PublishResult } from '../producer/types.ts'
import type { Clock, Timer } from '../util/clock.ts'
import type { BatchIntake, RecordJob, RunnerState } from './job.ts'
import type { AssignedPartition } from './partitions.ts'
import type { Pipeline } from './pipeline.ts'
import type { Job, StepOutcome, WorkerPool } from './pool.ts'
import { backoffDelay, shouldRetry } from './retry.ts'
import type { Route } from './router.ts'
import type { BatchContext, BatchRecord, PublishInHandlerOptions } from './types.ts'

const NO_ERROR = () => new Error('the batch handler failed without an error')

interface Member {
  readonly job: RecordJob
  readonly event: Envelope
  /** Set once tries of this record alone (a split) gave up: the error to write it away with. */
  failure: unknown
  /** Handled, or written away. */
  done: boolean
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
  /** A batch closed and did not finish at once (its handler returned a promise, or its lane was busy). */
  #closedUnfinished = false

  constructor(pool: WorkerPool, pipeline: Pipeline, runner: RunnerState, clock: Clock, maxInFlight: number) {
    this.#pool = pool
    this.#pipeline = pipeline
    this.#runner = runner
    this.#clock = clock
    this.#maxInFlight = maxInFlight
  }

  get openCount(): number {
    return this.#open.size
  }

  /**
   * Whether a batch closed without finishing at once since the last call. The runner then ends its
   * read stretch: read on synchronously, it would fill the pool with closed batches whose records
   * outlive young-generation collections.
   */
  takeClosedUnfinished(): boolean {
    const closed = this.#closedUnfinished
    this.#closedUnfinished = false
    return closed
  }

  add(job: RecordJob, route: Route, event: Envelope): void {
    const spec = route.batch!.spec
    const owner = job.owner
    const recent = this.#recent
    let batch = spec.by === 'partition' && recent?.owner === owner && recent.route === route ? recent : undefined
    if (!batch) {
      const key =
        spec.by === 'key'
          ? `${owner.epoch}|${route.id}|${job.record.key?.toString('latin1') ?? ''}`
          : `${owner.epoch}|${route.id}`
      batch = this.#open.get(key) ?? this.#openBatch(key, owner, route)
      this.#recent = batch
    }
    this.#pool.hold(1)
    batch.add(job, event)
    if (batch.size >= Math.min(spec.maxSize, this.#maxInFlight)) this.#close(batch)
  }

  #openBatch(key: string, owner: AssignedPartition, route: Route): BatchJob {
    const batch = new BatchJob(key, owner, route, this.#pipeline, this.#runner, this.#pool, this.#clock)
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
    if (!batch.finished) this.#closedUnfinished = true
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
  readonly #members: Member[] = []
  #phase: Phase = { name: 'whole' }
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
  ) {
    this.key = key
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

  add(job: RecordJob, event: Envelope): void {
    this.#members.push({ job, event, failure: undefined, done: false })
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
      for (const m of members) {
        m.done = true
        m.job.completedInBatch(this.#attempt)
      }
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
            member.done = true
            member.job.completedInBatch(this.#attempt + phase.attempt)
            phase.index++
            phase.attempt = 0
            continue
          }
          if (this.#leaving()) return this.#giveUp()
          this.#logFailure([member], error, phase.attempt)
          if (shouldRetry(policy, phase.attempt, error)) return backoffDelay(policy, phase.attempt)
          member.failure = error
        }
        const outcome = await member.job.failedInBatch(member.failure, name, this.#attempt + phase.attempt)
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
        const outcome = await member.job.failedInBatch(phase.error, name, this.#attempt)
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

  /**
   * One call of the handler with `members`' events: its error (undefined if none), directly when the
   * handler returned without a promise, else through a promise bounded by the handler timeout.
   */
  #try(members: readonly Member[], attempt: number): { error: unknown } | Promise<unknown> {
    const ctx = new CallContext(this.#route, this.#pipeline, members, attempt)
    const started = this.#clock.now()
    let result: unknown
    try {
      result = this.#route.batch!.handler(
        members.map((m) => m.event),
        ctx,
      )
    } catch (error) {
      return { error: error ?? NO_ERROR() }
    }
    if (!(result instanceof Promise)) return { error: undefined }
    const pending = result
    const timeoutMs = this.#pipeline.timeoutOf(this.#route)
    return new Promise<unknown>((resolve) => {
      let timer: Timer | undefined
      const settle = (error: unknown) => {
        if (this.#call?.settle !== settle) return
        this.#call = undefined
        this.#clock.clearTimeout(timer)
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
    const first = members[0]!.job.facts
    const last = members[members.length - 1]!.job.facts
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
    if (!this.#released) for (const m of this.#members) if (!m.done) m.job.abandon()
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
  #records: readonly BatchRecord[] | undefined
  #logger: Logger | undefined
  #controller: AbortController | undefined

  constructor(route: Route, pipeline: Pipeline, members: readonly Member[], attempt: number) {
    const first = members[0]!.job.facts
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
    this.#records ??= this.#members.map(({ job: { facts } }) => ({
      topic: facts.topic,
      partition: facts.partition,
      offset: facts.offset,
      key: facts.key,
      timestamp: facts.timestamp,
      headers: facts.headers,
    }))
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
      firstOffset: this.#members[0]?.job.facts.offset.toString(),
      lastOffset: this.#members[this.#members.length - 1]?.job.facts.offset.toString(),
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
    options?: PublishInHandlerOptions,
  ): Promise<PublishResult> {
    const publisher = this.#pipeline.publisher
    if (!publisher)
      return Promise.reject(new KafkitError(ErrorCodes.CONSUMER_STATE, 'this consumer has no producer to publish with'))
    return publisher.publish(event, payload, options)
  }
}
