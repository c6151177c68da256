// The partitions a group member owns, one AssignedPartition each: its offset tracking, the records
// stalled behind its retrying lanes, and whether its fetching is paused. Also the admit stage of a
// record's path: a fetched record is handled only if this member owns its partition since a
// generation no later than the record's, it was not dispatched before, and (retry tiers) it is due.
import type { Clock, Timer } from '../util/clock.ts'
import type { CommitOffset, FetchedRecord, TopicPartition } from './member.ts'
import { tpKey } from './member.ts'
import { PartitionOffsets } from './offsets.ts'
import type { LaneOwner } from './pool.ts'
import type { Ordering } from './types.ts'

/** How a partition stops and restarts its fetching (the runner passes it on to its member). */
export interface FetchControl {
  pause(partition: TopicPartition, redeliverFrom?: bigint): void
  resume(partition: TopicPartition, position: bigint | undefined): void
}

/** Why fetching a partition is paused (bit flags: both may hold). */
const STALLED = 1
const DUE = 2
/** The application paused it (consumer.pause). */
const USER = 4

export class AssignedPartition implements LaneOwner, TopicPartition {
  readonly topic: string
  readonly partition: number
  /** The group generation in which this member was given the partition. */
  readonly generation: number
  /** Tells this assignment's lanes from those of an earlier assignment of the same partition. */
  readonly epoch: number
  readonly offsets = new PartitionOffsets()
  readonly #owner: Assignment
  #stalled = 0
  #pausedFor = 0
  #revoked = false
  #dueTimer: Timer | undefined

  constructor(owner: Assignment, tp: TopicPartition, generation: number, epoch: number) {
    this.#owner = owner
    this.topic = tp.topic
    this.partition = tp.partition
    this.generation = generation
    this.epoch = epoch
  }

  /** Whether this member gave the partition up: its records are left to the next owner. */
  get revoked(): boolean {
    return this.#revoked
  }

  get paused(): boolean {
    return this.#pausedFor !== 0
  }

  /** Records queued behind this partition's retrying lanes (see WorkerPool). */
  stalled(delta: number): void {
    this.#stalled += delta
    if (this.#revoked) return
    const limit = this.#owner.stallLimit
    if (this.#stalled >= limit) this.#pause(STALLED)
    else if (this.#stalled <= limit / 2) this.#resume(STALLED)
  }

  /** The application pauses or resumes fetching it (consumer.pause / resume). */
  pausedByUser(paused: boolean): void {
    if (paused) this.#pause(USER)
    else this.#resume(USER)
  }

  get userPaused(): boolean {
    return (this.#pausedFor & USER) !== 0
  }

  /** A new assignment of the same partition takes over this one (a seek): it keeps the user's pause. */
  adoptPause(userPaused: boolean): void {
    if (userPaused) this.#pausedFor |= USER
  }

  /** Holds a retry-tier record back until `dueAt`: its partition is fetched again from it then. */
  holdUntil(dueAt: number, offset: bigint, clock: Clock): void {
    this.#pause(DUE, offset)
    clock.clearTimeout(this.#dueTimer)
    this.#dueTimer = clock.setTimeout(
      () => {
        this.#dueTimer = undefined
        this.#resume(DUE)
      },
      Math.max(0, dueAt - clock.now()),
    )
  }

  /** The lane of one of its records: what must stay in order with it, within this assignment. */
  laneOf(ordering: Ordering, record: FetchedRecord): string {
    if (ordering === 'none') return `${this.epoch}|${record.offset}`
    if (ordering === 'partition' || !record.key || record.key.length === 0) return `${this.epoch}`
    return `${this.epoch}|${record.key.toString('latin1')}`
  }

  /** Hands a record it read back to the member: delivered again once fetching resumes. */
  giveBack(offset: bigint): void {
    this.#owner.control.pause(this, offset)
  }

  revoke(clock: Clock): void {
    this.#revoked = true
    clock.clearTimeout(this.#dueTimer)
    this.#dueTimer = undefined
  }

  #pause(reason: number, redeliverFrom?: bigint) {
    const wasPaused = this.#pausedFor !== 0
    this.#pausedFor |= reason
    if (!wasPaused || redeliverFrom !== undefined) this.#owner.control.pause(this, redeliverFrom)
  }

  #resume(reason: number) {
    if ((this.#pausedFor & reason) === 0) return
    this.#pausedFor &= ~reason
    if (this.#pausedFor === 0 && !this.#revoked) this.#owner.control.resume(this, this.offsets.next)
  }
}

/** The partitions one member owns. */
export class Assignment {
  readonly control: FetchControl
  readonly #clock: Clock
  readonly #maxInFlight: number
  readonly #partitions = new Map<string, AssignedPartition>()
  /** The partition of the last record looked up: records come in runs of one partition. */
  #last: AssignedPartition | undefined
  #epochs = 0
  /** Records that may wait behind one partition's retrying lanes before its fetching pauses. */
  stallLimit: number

  constructor(control: FetchControl, clock: Clock, maxInFlight: number) {
    this.control = control
    this.#clock = clock
    this.#maxInFlight = maxInFlight
    this.stallLimit = maxInFlight
  }

  get size(): number {
    return this.#partitions.size
  }

  get(topic: string, partition: number): AssignedPartition | undefined {
    const last = this.#last
    if (last !== undefined && last.partition === partition && last.topic === topic) return last
    const found = this.#partitions.get(tpKey(topic, partition))
    if (found) this.#last = found
    return found
  }

  owned(): AssignedPartition[] {
    return [...this.#partitions.values()]
  }

  /**
   * The admit stage: the partition to dispatch a fetched record to, or undefined when the record is
   * not this member's to handle now. `fetchedIn` is the generation the member fetched it in.
   */
  admit(record: FetchedRecord, fetchedIn: number, dueAt: number | undefined): AssignedPartition | undefined {
    const partition = this.get(record.topic, record.partition)
    // Not ours: revoked, or never given to us. Its owner handles it.
    if (!partition) return undefined
    // Fetched before the partition came (back) to us: stale, and possibly ahead of the committed offset.
    if (fetchedIn < partition.generation) return undefined
    // Already dispatched: after a rejoin the member reads again from the committed offset.
    if (!partition.offsets.isNew(record.offset)) return undefined
    if (partition.paused) {
      // A skip is not given back: a rewind must land on a record (the member proves its new fetch
      // by that record). Resuming fetches again from one past the last record taken, markers too.
      if (!record.skip) partition.giveBack(record.offset)
      return undefined
    }
    if (dueAt !== undefined && dueAt > this.#clock.now()) {
      partition.holdUntil(dueAt, record.offset, this.#clock)
      return undefined
    }
    return partition
  }

  /** Takes the partitions of a new assignment; returns those that are new to this member. */
  add(partitions: readonly TopicPartition[], generation: number): AssignedPartition[] {
    const added: AssignedPartition[] = []
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      if (this.#partitions.has(key)) continue
      const assigned = new AssignedPartition(this, tp, generation, ++this.#epochs)
      this.#partitions.set(key, assigned)
      added.push(assigned)
    }
    this.#relimit()
    return added
  }

  /**
   * Starts a partition's tracking over at `offset` (a seek): its current assignment is retired like
   * a revoked one (its queued records are dropped by the caller, what still runs is not committed)
   * and a new one, with new lanes, takes its place. Returns both.
   */
  reset(tp: TopicPartition, offset: bigint): { old: AssignedPartition; now: AssignedPartition } | undefined {
    const key = tpKey(tp.topic, tp.partition)
    const old = this.#partitions.get(key)
    if (!old) return undefined
    old.revoke(this.#clock)
    const now = new AssignedPartition(this, old, old.generation, ++this.#epochs)
    now.offsets.startAt(offset)
    now.adoptPause(old.userPaused)
    this.#partitions.set(key, now)
    if (this.#last === old) this.#last = undefined
    return { old, now }
  }

  /** Gives partitions up; returns the ones this member owned. */
  revoke(partitions: readonly TopicPartition[]): AssignedPartition[] {
    const revoked: AssignedPartition[] = []
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition)
      const assigned = this.#partitions.get(key)
      if (!assigned) continue
      this.#partitions.delete(key)
      assigned.revoke(this.#clock)
      revoked.push(assigned)
    }
    if (this.#last?.revoked) this.#last = undefined
    this.#relimit()
    return revoked
  }

  revokeAll(): AssignedPartition[] {
    return this.revoke(this.owned())
  }

  /** Finished offsets not yet committed, of every partition or of `only`. */
  commitOffsets(only?: readonly AssignedPartition[]): CommitOffset[] {
    const offsets: CommitOffset[] = []
    for (const assigned of only ?? this.#partitions.values()) {
      const offset = assigned.offsets.toCommit()
      if (offset !== undefined) {
        offsets.push({
          topic: assigned.topic,
          partition: assigned.partition,
          offset,
          leaderEpoch: assigned.offsets.leaderEpoch,
        })
      }
    }
    return offsets
  }

  /** Notes offsets as committed, for owned partitions and for `revoked` ones committed on their way out. */
  markCommitted(offsets: readonly CommitOffset[], revoked: readonly AssignedPartition[] = []): void {
    for (const entry of offsets) {
      const assigned =
        this.#partitions.get(tpKey(entry.topic, entry.partition)) ??
        revoked.find((p) => p.topic === entry.topic && p.partition === entry.partition)
      assigned?.offsets.committed(entry.offset)
    }
  }

  /**
   * Each partition may have up to maxInFlight / (partitions + 1) records stalled behind its retrying
   * lanes: however many partitions stall, the rest of the pool stays open to the others.
   */
  #relimit() {
    this.stallLimit = Math.max(1, Math.floor(this.#maxInFlight / (this.#partitions.size + 1)))
  }
}
