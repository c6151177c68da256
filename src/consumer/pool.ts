// The worker pool: at most `concurrency` handlers run at once; records of one lane (a key, a
// partition, or each record on its own) run one after another, in order. A lane waiting to retry
// frees its worker, so a slow or failing key never holds up the others. `maxInFlight` bounds every
// record held (queued, running or waiting), which is what keeps memory flat: the runner stops
// fetching while the pool is full.
import { Queue } from './queue.ts'

export interface Job {
  readonly lane: string
  /**
   * Runs one attempt: undefined when the job is finished, or a delay (ms) to retry after; directly
   * or through a promise that must not reject.
   */
  step(): number | undefined | Promise<number | undefined>
  /** Called when the pool drops the job unfinished (revoked partition, shutdown). */
  abandon(): void
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
  timer: NodeJS.Timeout | undefined
}

export interface PoolOptions {
  concurrency: number
  maxInFlight: number
  /** Called once when the pool drops below its resume mark after being full. */
  onCapacity?: () => void
}

export class WorkerPool {
  readonly #lanes = new Map<string, Lane>()
  readonly #ready = new Queue<Lane>()
  readonly #concurrency: number
  readonly #maxInFlight: number
  readonly #resumeAt: number
  readonly #onCapacity: (() => void) | undefined
  #active = 0
  #inFlight = 0
  #wasFull = false
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

  /** Adds a job. Returns false when the pool is now full (the caller should stop fetching). */
  submit(job: Job): boolean {
    this.#inFlight++
    let lane = this.#lanes.get(job.lane)
    if (!lane) {
      lane = this.#spareLanes.pop() ?? { key: '', jobs: new LaneJobs(), state: 'idle', timer: undefined }
      lane.key = job.lane
      this.#lanes.set(job.lane, lane)
    }
    lane.jobs.push(job)
    if (lane.state === 'idle') this.#makeReady(lane)
    this.#pump()
    if (this.full) this.#wasFull = true
    return !this.full
  }

  #makeReady(lane: Lane) {
    lane.state = 'ready'
    this.#ready.push(lane)
  }

  #pump() {
    // Steps may finish synchronously and pump again: the outer loop picks that work up instead of
    // recursing, so a long run of synchronous handlers never deepens the stack.
    if (this.#pumping) return
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
        let result: number | undefined | Promise<number | undefined>
        try {
          result = job.step()
        } catch {
          result = undefined // step() must not throw; if it does, the attempt is over rather than the lane stuck
        }
        if (result instanceof Promise) {
          const after = (delay: unknown) => this.#afterStep(lane, job, typeof delay === 'number' ? delay : undefined)
          void result.then(after, after)
        } else this.#afterStep(lane, job, result)
      }
    } finally {
      this.#pumping = false
    }
  }

  #afterStep(lane: Lane, job: Job, delay: number | undefined) {
    this.#active--
    if (lane.state !== 'active' || lane.jobs.head !== job) {
      // The lane was dropped while this attempt ran (revocation): nothing more to do for it.
      this.#pump()
      return
    }
    if (delay !== undefined) {
      lane.state = 'waiting'
      lane.timer = setTimeout(() => {
        lane.timer = undefined
        if (lane.state === 'waiting') this.#makeReady(lane)
        this.#pump()
      }, delay)
    } else {
      lane.jobs.shift()
      this.#finished(1)
      if (lane.jobs.length > 0) this.#makeReady(lane)
      else this.#retire(lane)
    }
    this.#pump()
  }

  #retire(lane: Lane) {
    lane.state = 'idle'
    if (lane.jobs.length === 0 && this.#lanes.get(lane.key) === lane) {
      this.#lanes.delete(lane.key)
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
        clearTimeout(lane.timer)
        lane.timer = undefined
        if (lane.jobs.length > 0) this.#makeReady(lane)
        else this.#retire(lane)
      } else if (lane.state !== 'active' && lane.jobs.length === 0) {
        this.#retire(lane)
      }
    }
    if (dropped > 0) this.#finished(dropped)
    this.#pump()
    return dropped
  }

  /** Resolves when no job is held (queued, running or waiting). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }
}
