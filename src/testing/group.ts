// A consumer group as its coordinator keeps it: members in join order, the generation, who owns
// which partition, and committed offsets. An eager rebalance happens in one step: every member is
// told its partitions at once (round-robin over the partitions of the topics it subscribes to).
// When the members speak an incremental protocol ('cooperative', 'consumer'), partitions stay with
// their owners where the balance allows, and only those that move are revoked: first the members
// giving some up commit (revoking) and are told what they keep, then, a generation later, the
// others are given them. Rebalances of a group then run one after another.
import {
  tpKey,
  type CommitOffset,
  type MemberEvents,
  type MemberFactory,
  type MemberOptions,
  type TopicPartition,
} from '../consumer/member.ts'
import type { Clock } from '../util/clock.ts'
import { protocolError } from './errors.ts'

/** What a group needs of the broker that keeps it (the in-memory Kafka). */
export interface GroupBroker {
  readonly clock: Clock
  hasTopic(name: string): boolean
  partitionCount(topic: string): number | undefined
  takeCommitFault(group: string): Error | undefined
  members(): MemberFactory
}

/** What a group needs of its members (the in-memory member). */
export interface GroupMemberHandle {
  readonly id: string
  readonly topics: readonly string[]
  readonly options: Pick<MemberOptions, 'rebalanceProtocol'>
  /** The partitions the member owns now. */
  readonly assignment: readonly TopicPartition[]
  join(events: MemberEvents): Promise<void>
  assigned(generation: number, partitions: readonly TopicPartition[]): void
  /** Incremental protocols: partitions are about to be given up (the runner commits first). */
  revoking(): Promise<void>
  wake(): void
  die(): void
  evicted(): void
}

export class Group<M extends GroupMemberHandle = GroupMemberHandle> {
  readonly id: string
  readonly #broker: GroupBroker
  #generation = 0
  #members: M[] = []
  readonly #committed = new Map<string, bigint>()
  #fetchDelayedUntil = 0
  /** Incremental rebalances, one after another. */
  #rebalances: Promise<void> = Promise.resolve()
  #pending = 0
  /** Every rebalance so far, for tests that assert how partitions moved. */
  readonly history: { generation: number; assignments: Map<M, TopicPartition[]> }[] = []

  constructor(id: string, broker: GroupBroker) {
    this.id = id
    this.#broker = broker
  }

  get generation(): number {
    return this.#generation
  }

  /** The members in the group now, in join order. */
  get members(): readonly M[] {
    return this.#members
  }

  committed(topic: string, partition: number): bigint | undefined {
    return this.#committed.get(tpKey(topic, partition))
  }

  /** Committed offsets, as "topic[partition]" → offset. */
  committedOffsets(): Record<string, bigint> {
    return Object.fromEntries(
      [...this.#committed].map(([key, offset]) => {
        const [topic, partition] = key.split('\u0000')
        return [`${topic}[${partition}]`, offset]
      }),
    )
  }

  /** Fetches of this group return nothing until then (broker clock ms). */
  get fetchDelayedUntil(): number {
    return this.#fetchDelayedUntil
  }

  delayFetch(ms: number): void {
    this.#fetchDelayedUntil = Math.max(this.#fetchDelayedUntil, this.#broker.clock.now() + ms)
    const at = this.#fetchDelayedUntil
    this.#broker.clock.setTimeout(
      () => {
        if (this.#fetchDelayedUntil === at) for (const m of this.#members) m.wake()
      },
      Math.max(0, at - this.#broker.clock.now()),
    )
  }

  // ---- membership (called by members) ---------------------------------------------------------

  join(member: M): void {
    this.#members.push(member)
    this.rebalance()
  }

  /** A member leaves (LeaveGroup): the others rebalance at once. */
  leave(member: M): void {
    if (!this.#remove(member)) return
    this.rebalance()
  }

  /** Stores offsets if `member` is in the group now; throws what the coordinator would answer otherwise. */
  commit(member: M, offsets: readonly CommitOffset[]): void {
    const fault = this.#broker.takeCommitFault(this.id)
    if (fault) throw fault
    if (!this.#members.includes(member)) throw protocolError('UNKNOWN_MEMBER_ID')
    for (const o of offsets) {
      if (!this.#broker.hasTopic(o.topic)) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION')
      this.#committed.set(tpKey(o.topic, o.partition), o.offset)
    }
  }

  /** Stores offsets a transaction committed (its coordinator checked the member when they were added). */
  storeOffsets(offsets: readonly CommitOffset[]): void {
    for (const o of offsets) this.#committed.set(tpKey(o.topic, o.partition), o.offset)
  }

  // ---- controls (called by tests) -------------------------------------------------------------

  /**
   * Rebalances now. Eager: a new generation, every member told its partitions. Incremental: the
   * moves start now and end once the members giving partitions up have committed (`settled()`).
   */
  rebalance(): void {
    if (!this.incremental) return this.#eager()
    this.#pending++
    this.#rebalances = this.#rebalances.then(() => this.#incremental()).finally(() => this.#pending--)
  }

  /** Whether the members speak an incremental protocol (all of them must: Kafka's rule). */
  get incremental(): boolean {
    return this.#members.length > 0 && this.#members.every((m) => m.options.rebalanceProtocol !== 'eager')
  }

  /** Whether an incremental rebalance is under way. */
  get rebalancing(): boolean {
    return this.#pending > 0
  }

  /** Resolves once the rebalances started so far have ended. */
  settled(): Promise<void> {
    return this.#rebalances
  }

  #eager(): void {
    this.#generation++
    const assignments = this.#assign()
    this.history.push({ generation: this.#generation, assignments })
    // Members are told in join order; each one commits what it gives up before the next is told.
    for (const member of [...this.#members]) member.assigned(this.#generation, assignments.get(member) ?? [])
  }

  async #incremental(): Promise<void> {
    const target = this.#sticky()
    const keeps = (m: M, tp: TopicPartition) => (target.get(m) ?? []).some((x) => sameTp(x, tp))
    const losing = this.#members.filter((m) => m.assignment.some((tp) => !keeps(m, tp)))
    if (losing.length > 0) {
      // They commit while every partition is still theirs, then learn what they keep.
      await Promise.all(losing.map((m) => m.revoking()))
      this.#generation++
      const kept = new Map(this.#members.map((m) => [m, m.assignment.filter((tp) => keeps(m, tp))]))
      this.history.push({ generation: this.#generation, assignments: kept })
      for (const member of [...this.#members]) member.assigned(this.#generation, kept.get(member) ?? [])
    }
    // The target again: a member may have left or joined while the others committed.
    const final = this.#sticky()
    this.#generation++
    this.history.push({ generation: this.#generation, assignments: final })
    for (const member of [...this.#members]) member.assigned(this.#generation, final.get(member) ?? [])
  }

  /**
   * Sticky: each partition stays with its owner while the owner is subscribed and under its fair
   * share; the rest go, in topic and partition order, to the least loaded subscriber.
   */
  #sticky(): Map<M, TopicPartition[]> {
    const result = new Map<M, TopicPartition[]>(this.#members.map((m) => [m, []]))
    const topics = [...new Set(this.#members.flatMap((m) => m.topics))].sort()
    for (const topic of topics) {
      const count = this.#broker.partitionCount(topic) ?? 0
      const subscribers = this.#members.filter((m) => m.topics.includes(topic))
      const share = Math.ceil(count / subscribers.length)
      const load = (m: M) => result.get(m)!.filter((tp) => tp.topic === topic).length
      const free: TopicPartition[] = []
      for (let partition = 0; partition < count; partition++) {
        const owner = subscribers.find((m) => m.assignment.some((tp) => sameTp(tp, { topic, partition })))
        if (owner && load(owner) < share) result.get(owner)!.push({ topic, partition })
        else free.push({ topic, partition })
      }
      for (const tp of free) {
        const least = subscribers.reduce((a, b) => (load(b) < load(a) ? b : a))
        result.get(least)!.push(tp)
      }
    }
    return result
  }

  /**
   * The member's process dies: it commits nothing and never leaves; the coordinator drops it (here
   * at once, as if its session had timed out) and the others rebalance. The member answers nothing more.
   */
  crash(member: M): void {
    member.die()
    if (this.#remove(member)) this.rebalance()
  }

  /**
   * The coordinator removes the member (its session expired while the process lives): the member
   * learns it on its next heartbeat (at once here) and its consumer must join again as a new member.
   */
  evict(member: M): void {
    if (!this.#remove(member)) return
    member.evicted()
    this.rebalance()
  }

  /**
   * A member that joins and takes its share of partitions but never reads (another instance of the
   * service, as far as the group can tell); `leave()` it to give them back.
   */
  addMember(options: Partial<MemberOptions> & { topics: readonly string[] }): M {
    // The broker's factory makes this group's kind of member (InMemoryKafka: InMemoryMember).
    // It speaks the group's protocol unless told otherwise.
    const protocol = this.#members[0]?.options.rebalanceProtocol ?? IDLE_OPTIONS.rebalanceProtocol
    const member = this.#broker.members()({
      ...IDLE_OPTIONS,
      rebalanceProtocol: protocol,
      ...options,
      group: this.id,
    }) as unknown as M
    void member.join({
      readable: () => undefined,
      assigned: () => undefined,
      failed: () => undefined,
      revoking: () => Promise.resolve(),
    })
    return member
  }

  #remove(member: M): boolean {
    const before = this.#members.length
    this.#members = this.#members.filter((m) => m !== member)
    return this.#members.length !== before
  }

  /** Round-robin over the partitions (by topic, then partition), among the members subscribed to each topic. */
  #assign(): Map<M, TopicPartition[]> {
    const result = new Map<M, TopicPartition[]>(this.#members.map((m) => [m, []]))
    const topics = [...new Set(this.#members.flatMap((m) => m.topics))].sort()
    const turn = new Map<string, number>()
    for (const topic of topics) {
      const count = this.#broker.partitionCount(topic) ?? 0
      const subscribers = this.#members.filter((m) => m.topics.includes(topic))
      const key = subscribers.map((m) => m.id).join(',')
      for (let partition = 0; partition < count; partition++) {
        const i = turn.get(key) ?? 0
        turn.set(key, i + 1)
        result.get(subscribers[i % subscribers.length]!)!.push({ topic, partition })
      }
    }
    return result
  }
}

const sameTp = (a: TopicPartition, b: TopicPartition) => a.topic === b.topic && a.partition === b.partition

const IDLE_OPTIONS: MemberOptions = {
  group: '',
  topics: [],
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3000,
  rebalanceTimeoutMs: 60_000,
  autoOffsetReset: 'earliest',
  fetchMinBytes: 1,
  fetchMaxBytes: 50 * 1024 * 1024,
  fetchMaxBytesPerPartition: 1024 * 1024,
  fetchMaxWaitMs: 500,
  maxPollRecords: 500,
  rebalanceProtocol: 'eager',
  joinTimeoutMs: 70_000,
}
