// The commit stage: finished offsets go to the group through the member, every commitInterval, when
// partitions are revoked, when a failed member is replaced, and on stop. One periodic commit request
// at a time. Nothing is lost when a commit fails or is deferred (mid-rebalance): the offsets stay
// uncommitted and the next commit carries them.
import { errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { RunnerTelemetry } from '../observability/consumer.ts'
import type { Clock, Timer } from '../util/clock.ts'
import type { CommitOffset, GroupMember } from './member.ts'
import type { AssignedPartition, Assignment } from './partitions.ts'

export interface CommitterOptions {
  assignment: Assignment
  /** The member to commit through now (undefined while there is none). */
  member: () => GroupMember | undefined
  clock: Clock
  intervalMs: number
  logger: Logger
  telemetry: RunnerTelemetry | undefined
}

export class Committer {
  lastCommitAt: Date | undefined
  lastFailedAt: Date | undefined
  readonly #o: CommitterOptions
  #timer: Timer | undefined
  #running = false
  #committing: Promise<void> | undefined
  #again = false

  constructor(options: CommitterOptions) {
    this.#o = options
  }

  /** Whether the last commit failed and none succeeded since. */
  get failing(): boolean {
    return this.lastFailedAt !== undefined && (this.lastCommitAt === undefined || this.lastFailedAt > this.lastCommitAt)
  }

  /** Commits every commitInterval until stop(). */
  start(): void {
    this.#running = true
    this.#schedule()
  }

  stop(): void {
    this.#running = false
    this.#o.clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /**
   * Commits now and counts the next interval from here: after a join, what was finished during the
   * rebalance (its commits deferred) is committed at once, not up to an interval later.
   */
  now(): void {
    if (!this.#running) return
    this.#o.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    void this.commitOwned().finally(() => {
      if (this.#running && this.#timer === undefined) this.#schedule()
    })
  }

  #schedule(): void {
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined
      void this.commitOwned().finally(() => {
        if (this.#running && this.#timer === undefined) this.#schedule()
      })
    }, this.#o.intervalMs)
  }

  /** Commits every owned partition's finished offsets; a call during a commit runs once more after it. */
  commitOwned(): Promise<void> {
    if (this.#committing) {
      this.#again = true
      return this.#committing
    }
    const member = this.#o.member()
    const offsets = this.#o.assignment.commitOffsets()
    if (!member || offsets.length === 0) return Promise.resolve()
    this.#committing = this.commit(member, offsets).finally(() => {
      this.#committing = undefined
      if (this.#again) {
        this.#again = false
        void this.commitOwned()
      }
    })
    return this.#committing
  }

  /**
   * Commits `offsets` through `member` (of `revoked` partitions too, on their way out). While a
   * rebalance is under way the member waits up to `waitMs` for it to end. Never rejects.
   */
  async commit(
    member: GroupMember,
    offsets: CommitOffset[],
    revoked: readonly AssignedPartition[] = [],
    waitMs = 0,
  ): Promise<void> {
    if (offsets.length === 0) return
    const started = performance.now()
    try {
      // Mid-rebalance the member defers: a commit that reaches the coordinator after the generation
      // moved on fails, and the wire client answers that by rejoining (a rebalance storm).
      if ((await member.commit(offsets, waitMs)) === 'deferred') return
      this.#o.assignment.markCommitted(offsets, revoked)
      this.lastCommitAt = new Date(this.#o.clock.now())
      this.#o.telemetry?.committed((performance.now() - started) / 1000, undefined)
    } catch (error) {
      this.lastFailedAt = new Date(this.#o.clock.now())
      this.#o.telemetry?.committed((performance.now() - started) / 1000, error)
      this.#o.logger.warn({ err: error, partitions: offsets.length }, `offset commit failed: ${errorMessage(error)}`)
    }
  }
}
