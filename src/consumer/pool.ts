// The worker pool: at most `concurrency` handlers run at once; records of one lane (a key, a
// partition, or each record on its own) run one after another, in order. A lane waiting to retry
// frees its worker, so a slow or failing key never holds up the others. `maxInFlight` bounds every
// record held (queued, running or waiting), which is what keeps memory flat: the runner stops
// reading while the pool is full. Each lane reports to its owner (its partition) how many records
// wait behind it while it retries or writes a failure away, so that the owner can stop fetching
// rather than fill the pool.
import { systemClock, type Clock, type Timer } from '../util/clock.ts'
import { Queue } from './queue.ts'

/**
 * How a step ends: undefined when the job is finished; a delay (ms) to run it again after;
 * 'abandoned' when it gave up unfinished (the records queued behind it in its lane are dropped
 * too: they must not overtake it).
 */
export type StepOutcome = number | undefined | 'abandoned'

/** A step that ends later: a promise, or a thenable that calls back once (handle.ts's Pending). */
export interface PendingStep {
  then(onFulfilled: (outcome: StepOutcome) => unknown, onRejected: (error: unknown) => unknown): unknown
}

/** Who a lane's records belong to (their partition). */
export interface LaneOwner {
  /** The records queued behind this owner's retrying lanes changed by `delta`. */
  stalled(delta: number): void
}

export interface Job {
  readonly lane: string
  readonly owner: LaneOwner
  /** Runs one attempt, directly or through a promise (or a thenable: handle.ts's Pending) that must not reject. */
  step(): StepOutcome | PendingStep
  /** The pool dropped the job unfinished (revoked partition, shutdown). */
  abandon(): void
  /** Ends the attempt running now, with `reason`. */
  interrupt(reason: Error): void
  /**
   * Whether the job gave handling up and is writing its failure away (to a retry tier or the DLQ):
   * like a retry, that write can take long or keep failing, so the records behind it count as stalled.
   */
  readonly escalating?: boolean
}

/**
 * The jobs of one lane, in order. Most lanes (one per key) only ever hold one job at a time, so the
 * first job is kept in a field and a queue is made only when a second one waits behind it.
 */
class LaneJobs {
  head: Job | undefined
  #rest: Queue<Job> | undefined

  get length(): number {
    return (this.head ? 1 : 0) + (this.#rest?.length ?? 0)
  }

  push(job: Job): void {
    if (!this.head) this.head = job
    else (this.#rest ??= new Queue()).push(job)
  }

  shift(): Job | undefined {
    const job = this.head
    this.head = this.#rest?.shift()
    return job
  }

  /** Removes the jobs `drop` selects (never `keep`); returns them. */
  remove(drop: (job: Job) => boolean, keep: Job | undefined): Job[] {
    const all = this.head ? [this.head, ...(this.#rest ?? [])] : []
    const removed = all.filter((job) => job !== keep && drop(job))
    if (removed.length === 0) return removed
    const kept = all.filter((job) => !removed.includes(job))
    this.head = kept[0]
    this.#rest = undefined
    for (const job of kept.slice(1)) (this.#rest ??= new Queue()).push(job)
    return removed
  }
}

interface Lane {
  key: string
  readonly jobs: LaneJobs
  state: 'ready' | 'active' | 'waiting' | 'idle'
  timer: Timer | undefined
  owner: LaneOwner | undefined
  /** From the head's first failed attempt until the head is finished. */
  retrying: boolean
  /** Records behind the head reported to the owner as stalled. */
  stalled: number
  /** The job whose step runs now (the lane's head when it started). */
  running: Job | undefined
  /** Takes the running step's outcome: made once per lane, not once per asynchronous step. */
  readonly afterStep: (outcome: unknown) => void
}

export interface PoolOptions {
  concurrency: number
  maxInFlight: number
  /** Called once when the pool drops below its resume mark after being full. */
  onCapacity?: () => void
  /** Times the waits of retrying lanes. Default: real time. */
  clock?: Clock
}

export class WorkerPool {
  readonly #lanes = new Map<string, Lane>()
  readonly #ready = new Queue<Lane>()
  readonly #concurrency: number
  readonly #maxInFlight: number
  readonly #resumeAt: number
  readonly #onCapacity: (() => void) | undefined
  readonly #clock: Clock
  #active = 0
  #inFlight = 0
  #wasFull = false
  #closed = false
  #idleWaiters: (() => void)[] = []
  /** Retired lanes kept for reuse: with many keys, most records would otherwise make a new one. */
  readonly #spareLanes: Lane[] = []
  #pumping = false
  /** Peak number of handlers running at once (how much the pool overlapped work). */
  peakActive = 0

  constructor(options: PoolOptions) {
    this.#concurrency = Math.max(1, options.concurrency)
    this.#maxInFlight = Math.max(this.#concurrency, options.maxInFlight)
    this.#resumeAt = Math.max(1, Math.floor(this.#maxInFlight * 0.75))
    this.#onCapacity = options.onCapacity
    this.#clock = options.clock ?? systemClock
  }

  get inFlight(): number {
    return this.#inFlight
  }

  get active(): number {
    return this.#active
  }

  get full(): boolean {
    return this.#inFlight >= this.#maxInFlight
  }

  /** Adds a job. Returns false when the pool is now full (the caller should stop reading). */
  submit(job: Job): boolean {
    if (this.#closed) {
      job.abandon()
      return false
    }
    this.#inFlight++
    let lane = this.#lanes.get(job.lane)
    if (!lane) {
      lane = this.#spareLanes.pop() ?? this.#newLane()
      lane.key = job.lane
      lane.owner = job.owner
      this.#lanes.set(job.lane, lane)
    }
    lane.jobs.push(job)
    if (lane.retrying || lane.jobs.head?.escalating === true) this.#restall(lane)
    if (lane.state === 'idle') this.#makeReady(lane)
    this.#pump()
    if (this.full) this.#wasFull = true
    return !this.full
  }

  /**
   * Counts `count` records held outside any job (records waiting in an open batch) as in flight, so
   * that reading pauses for them too. `release` gives them back.
   */
  hold(count: number): void {
    if (this.#closed) return
    this.#inFlight += count
    if (this.full) this.#wasFull = true
  }

  release(count: number): void {
    if (this.#closed || count === 0) return
    this.#finished(count)
  }

  #newLane(): Lane {
    const lane: Lane = {
      key: '',
      jobs: new LaneJobs(),
      state: 'idle',
      timer: undefined,
      owner: undefined,
      retrying: false,
      stalled: 0,
      running: undefined,
      afterStep: (outcome) => {
        const job = lane.running!
        lane.running = undefined
        this.#afterStep(lane, job, outcome as StepOutcome)
      },
    }
    return lane
  }

  #makeReady(lane: Lane) {
    lane.state = 'ready'
    this.#ready.push(lane)
  }

  #pump() {
    // Steps may finish synchronously and pump again: the outer loop picks that work up instead of
    // recursing, so a long run of synchronous handlers never deepens the stack.
    if (this.#pumping || this.#closed) return
    this.#pumping = true
    try {
      while (this.#active < this.#concurrency && this.#ready.length > 0) {
        const lane = this.#ready.shift()!
        if (lane.state !== 'ready') continue
        const job = lane.jobs.head
        if (!job) {
          this.#retire(lane)
          continue
        }
        lane.state = 'active'
        this.#active++
        if (this.#active > this.peakActive) this.peakActive = this.#active
        let outcome: StepOutcome | PendingStep
        try {
          outcome = job.step()
        } catch {
          outcome = undefined // step() must not throw; if it does, the attempt is over rather than the lane stuck
        }
        if (typeof outcome === 'object') {
          // A step's promise must not reject; if it does, its rejection reads as "finished".
          lane.running = job
          void outcome.then(lane.afterStep, lane.afterStep)
        } else this.#afterStep(lane, job, outcome)
      }
    } finally {
      this.#pumping = false
    }
  }

  #afterStep(lane: Lane, job: Job, outcome: StepOutcome) {
    this.#active--
    if (this.#closed) return
    if (lane.state !== 'active' || lane.jobs.head !== job) {
      // The lane was dropped while this attempt ran (revocation): nothing more to do for it.
      this.#pump()
      return
    }
    if (typeof outcome === 'number') {
      lane.state = 'waiting'
      lane.retrying = true
      this.#restall(lane)
      lane.timer = this.#clock.setTimeout(() => {
        lane.timer = undefined
        if (lane.state === 'waiting') this.#makeReady(lane)
        this.#pump()
      }, outcome)
    } else {
      lane.jobs.shift()
      lane.retrying = false
      let finished = 1
      if (outcome === 'abandoned') {
        // Given up unfinished: what queued behind it in its lane must not run before it.
        const rest = lane.jobs.remove(() => true, undefined)
        for (const queued of rest) queued.abandon()
        finished += rest.length
      }
      this.#restall(lane)
      this.#finished(finished)
      if (lane.jobs.length > 0) this.#makeReady(lane)
      else this.#retire(lane)
    }
    this.#pump()
  }

  /** Tells the lane's owner how many records now wait behind it (none unless it retries or escalates). */
  #restall(lane: Lane) {
    const stalled = lane.retrying || lane.jobs.head?.escalating === true ? Math.max(0, lane.jobs.length - 1) : 0
    if (stalled !== lane.stalled) {
      lane.owner?.stalled(stalled - lane.stalled)
      lane.stalled = stalled
    }
  }

  #retire(lane: Lane) {
    lane.state = 'idle'
    if (lane.jobs.length === 0 && this.#lanes.get(lane.key) === lane) {
      this.#lanes.delete(lane.key)
      lane.owner = undefined
      lane.retrying = false
      if (this.#spareLanes.length < 1024) this.#spareLanes.push(lane)
    }
  }

  #finished(count: number) {
    this.#inFlight -= count
    if (this.#wasFull && this.#inFlight <= this.#resumeAt) {
      this.#wasFull = false
      this.#onCapacity?.()
    }
    if (this.#inFlight === 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  /**
   * Drops every job `select` picks that is not running now (queued or waiting to retry) and calls
   * its `abandon()`. A running job finishes its attempt; it sees its partition is gone and stops.
   */
  drop(select: (job: Job) => boolean): number {
    let dropped = 0
    for (const lane of [...this.#lanes.values()]) {
      const head = lane.jobs.head
      const running = lane.state === 'active' ? head : undefined
      const removed = lane.jobs.remove(select, running)
      if (removed.length === 0) continue
      dropped += removed.length
      for (const job of removed) job.abandon()
      if (lane.state === 'waiting' && lane.jobs.head !== head) {
        this.#clock.clearTimeout(lane.timer)
        lane.timer = undefined
        lane.retrying = false
        if (lane.jobs.length > 0) this.#makeReady(lane)
        else this.#retire(lane)
      } else if (lane.state !== 'active' && lane.jobs.length === 0) {
        this.#retire(lane)
      }
      this.#restall(lane)
    }
    if (dropped > 0) this.#finished(dropped)
    this.#pump()
    return dropped
  }

  /** Drops every lane that waits to retry, with the records queued behind it. */
  dropWaiting(): number {
    const waiting = new Set([...this.#lanes.values()].filter((lane) => lane.state === 'waiting').map((l) => l.key))
    return waiting.size === 0 ? 0 : this.drop((job) => waiting.has(job.lane))
  }

  /** The jobs whose attempt runs now (at most `concurrency`). */
  *running(): IterableIterator<Job> {
    for (const lane of this.#lanes.values()) if (lane.state === 'active' && lane.jobs.head) yield lane.jobs.head
  }

  /** Ends the attempts running now with `reason`. */
  interruptRunning(reason: Error): void {
    for (const job of [...this.running()]) job.interrupt(reason)
  }

  /** Drops everything and schedules nothing more: retry timers are cleared, later submits abandoned. */
  close(): void {
    this.drop(() => true)
    this.#closed = true
    for (const lane of this.#lanes.values()) {
      this.#clock.clearTimeout(lane.timer)
      lane.timer = undefined
    }
    // Nothing is held any more, whatever still runs: anyone waiting for idle is released.
    this.#inFlight = 0
    this.#finished(0)
  }

  /** Resolves when no job is held (queued, running or waiting). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }
}
