// A consumer-group member of the in-memory Kafka: it implements the GroupMember the consumer
// runtime talks to (the one wire-member.ts implements on the wire client), so the runner, pool,
// offsets, retries, retry tiers and DLQ run unchanged on it. Records are read straight from the
// partition logs, one at a time, rotating over the partitions it owns: nothing is fetched ahead,
// so a pause stops delivery at once and a rewind is exact.
import {
  tpKey,
  type CommitOffset,
  type FetchedRecord,
  type GroupIdentity,
  type GroupMember,
  type Isolation,
  type MemberEvents,
  type MemberOptions,
  type TopicPartition,
} from '../consumer/member.ts'
import type { OffsetsClient } from '../observability/lag.ts'
import type { Clock } from '../util/clock.ts'
import { protocolError } from './errors.ts'
import type { Group } from './group.ts'
import type { StoredRecord } from './records.ts'

/** What a member needs of the broker it reads from (the in-memory Kafka). */
export interface MemberBroker {
  readonly clock: Clock
  group(id: string): Group<InMemoryMember>
  partitionCount(topic: string): number | undefined
  startOffset(topic: string, partition: number): bigint
  endOffset(topic: string, partition: number): bigint
  lastStableOffset(topic: string, partition: number): bigint
  fetchAt(topic: string, partition: number, offset: bigint, isolation: Isolation): StoredRecord | 'skip' | undefined
  onAppend(listener: (topic: string, partition: number) => void): () => void
}

/** new → joined → (left | dead). A dead member's process is gone: it answers nothing. */
type MemberState = 'new' | 'joined' | 'evicted' | 'left' | 'dead'

interface Owned {
  tp: TopicPartition
  /** The next offset to deliver; undefined until first read (then: committed, or the reset policy). */
  position: bigint | undefined
  paused: boolean
}

let ids = 0

export class InMemoryMember implements GroupMember {
  readonly id = `member-${++ids}`
  readonly options: MemberOptions
  readonly #broker: MemberBroker
  readonly #group: Group<InMemoryMember>
  #events: MemberEvents | undefined
  #state: MemberState = 'new'
  #generation = -1
  readonly #owned = new Map<string, Owned>()
  #order: string[] = []
  #cursor = 0
  readonly #fetchedIn = new WeakMap<FetchedRecord, number>()
  #wakeScheduled = false
  #unlisten: (() => void) | undefined
  #offsets: OffsetsClient | undefined

  constructor(broker: MemberBroker, options: MemberOptions) {
    this.#broker = broker
    this.options = options
    this.#group = broker.group(options.group)
  }

  get topics(): readonly string[] {
    return this.options.topics
  }

  /** Whether the member is in its group now. */
  get state(): MemberState {
    return this.#state
  }

  /** The partitions this member owns now. */
  get assignment(): TopicPartition[] {
    return [...this.#owned.values()].map((o) => o.tp)
  }

  /** Whether the runtime paused the partition (a retry-tier record held until due, a stalled partition). */
  isPaused(topic: string, partition: number): boolean {
    return this.#owned.get(tpKey(topic, partition))?.paused ?? false
  }

  // ---- GroupMember --------------------------------------------------------------------------

  join(events: MemberEvents): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new Error('a member joins once'))
    this.#events = events
    this.#state = 'joined'
    this.#unlisten = this.#broker.onAppend((topic, partition) => {
      if (this.#owned.has(tpKey(topic, partition))) this.wake()
    })
    this.#group.join(this)
    return Promise.resolve()
  }

  read(): FetchedRecord | null {
    if (this.#state !== 'joined') return null
    if (this.#group.fetchDelayedUntil > this.#broker.clock.now()) return null
    const count = this.#order.length
    for (let i = 0; i < count; i++) {
      const key = this.#order[(this.#cursor + i) % count]!
      const owned = this.#owned.get(key)!
      if (owned.paused) continue
      let position = (owned.position ??= this.#startOf(owned.tp))
      let stored = this.#broker.fetchAt(owned.tp.topic, owned.tp.partition, position, this.#isolation)
      // Control records and (read_committed) aborted ones are stepped over, as a fetch does.
      let skipped: bigint | undefined
      while (stored === 'skip') {
        skipped = position
        owned.position = ++position
        stored = this.#broker.fetchAt(owned.tp.topic, owned.tp.partition, position, this.#isolation)
      }
      // Stepped over up to the end of what can be read: delivered as a skip (FetchedRecord.skip), as
      // the wire member does where a fetch response ends with them, so that the commit passes them.
      if (!stored && skipped === undefined) continue
      owned.position = position + (stored ? 1n : 0n)
      // Round-robin: the next read starts at the next partition.
      this.#cursor = (this.#cursor + i + 1) % count
      // A copy per delivery: the generation it was fetched in belongs to this delivery.
      const record: FetchedRecord = stored ? { ...stored } : skipAt(owned.tp, skipped!)
      this.#fetchedIn.set(record, this.#generation)
      return record
    }
    return null
  }

  generationOf(record: FetchedRecord): number {
    return this.#fetchedIn.get(record) ?? this.#generation
  }

  pause(tp: TopicPartition, redeliverFrom?: bigint): void {
    const owned = this.#owned.get(tpKey(tp.topic, tp.partition))
    if (!owned) return
    owned.paused = true
    if (redeliverFrom !== undefined && (owned.position === undefined || redeliverFrom < owned.position))
      owned.position = redeliverFrom
  }

  seek(tp: TopicPartition, offset: bigint): void {
    // Nothing is fetched ahead: the next read of the partition is at `offset`, paused or not.
    const owned = this.#owned.get(tpKey(tp.topic, tp.partition))
    if (!owned) return
    owned.position = offset
    if (!owned.paused) this.wake()
  }

  resume(tp: TopicPartition, _position: bigint | undefined): void {
    // Nothing is fetched ahead here: the first record not delivered is the position kept.
    const owned = this.#owned.get(tpKey(tp.topic, tp.partition))
    if (!owned?.paused) return
    owned.paused = false
    this.wake()
  }

  commit(offsets: readonly CommitOffset[], _waitMs?: number): Promise<'committed' | 'deferred'> {
    // The offsets are stored before this returns: a partition's next owner reads from them. An
    // eager rebalance happens in one step, so a commit never meets one under way; with an
    // incremental protocol, a partition already given up is its new owner's to commit.
    try {
      if (this.#state === 'dead') throw new Error('the member crashed: its process is gone')
      if (this.#state !== 'joined') throw protocolError('UNKNOWN_MEMBER_ID')
      const owned =
        this.options.rebalanceProtocol === 'eager'
          ? offsets
          : offsets.filter((o) => this.#owned.has(tpKey(o.topic, o.partition)))
      if (owned.length === 0 && offsets.length > 0) return Promise.resolve('deferred')
      this.#group.commit(this, owned)
      return Promise.resolve('committed')
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }

  groupIdentity(): Promise<GroupIdentity | undefined> {
    // Rebalances happen in one step here: a member in its group always knows its generation.
    if (this.#state !== 'joined') return Promise.resolve(undefined)
    return Promise.resolve({
      groupId: this.options.group,
      generationId: this.#generation,
      memberId: this.id,
      coordinatorId: 0,
    })
  }

  restartFetch(): Promise<void> {
    // Fetching starts again from the committed offsets.
    for (const owned of this.#owned.values()) owned.position = undefined
    this.wake()
    return Promise.resolve()
  }

  close(_timeoutMs: number): Promise<void> {
    // A crashed member never leaves: closing what is left of it only stops it.
    if (this.#state === 'dead') return Promise.resolve()
    const wasIn = this.#state === 'joined'
    this.#state = 'left'
    this.#unlisten?.()
    this.#owned.clear()
    this.#order = []
    if (wasIn) this.#group.leave(this)
    return Promise.resolve()
  }

  get generation(): number {
    return this.#generation
  }

  get connected(): boolean {
    return this.#state === 'joined'
  }

  get lastHeartbeat(): Date | null {
    // In memory a member in its group is always heard from.
    return this.#state === 'joined' ? new Date(this.#broker.clock.now()) : null
  }

  get offsets(): OffsetsClient | undefined {
    if (this.#state !== 'joined') return undefined
    this.#offsets ??= offsetsClient(this.#broker, this.#group)
    return this.#offsets
  }

  // ---- called by the group ------------------------------------------------------------------

  /** The coordinator's answer to a rebalance: this member's partitions in `generation`. */
  assigned(generation: number, partitions: readonly TopicPartition[]): void {
    if (this.#state !== 'joined') return
    this.#generation = generation
    const now = new Map(partitions.map((tp) => [tpKey(tp.topic, tp.partition), tp]))
    const revoked = [...this.#owned].filter(([key]) => !now.has(key)).map(([, o]) => o.tp)
    const added = [...now].filter(([key]) => !this.#owned.has(key)).map(([, tp]) => tp)
    for (const tp of revoked) this.#owned.delete(tpKey(tp.topic, tp.partition))
    // A partition given (back) starts from the group's committed offset, unpaused.
    for (const tp of added) this.#owned.set(tpKey(tp.topic, tp.partition), { tp, position: undefined, paused: false })
    this.#order = [...this.#owned.keys()]
    this.#cursor = 0
    this.#events?.assigned({ generation, added, revoked })
    this.wake()
  }

  /** Incremental protocols: the runner commits its finished work before partitions go. */
  revoking(): Promise<void> {
    if (this.#state !== 'joined' || !this.#events) return Promise.resolve()
    return this.#events.revoking().catch(() => undefined)
  }

  /** Tells the runner that records may be read (once per turn of the microtask queue). */
  wake(): void {
    if (this.#wakeScheduled || this.#state !== 'joined') return
    this.#wakeScheduled = true
    queueMicrotask(() => {
      this.#wakeScheduled = false
      if (this.#state === 'joined') this.#events?.readable()
    })
  }

  die(): void {
    this.#state = 'dead'
    this.#unlisten?.()
  }

  evicted(): void {
    if (this.#state !== 'joined') return
    this.#state = 'evicted'
    this.#unlisten?.()
    this.#owned.clear()
    this.#order = []
    this.#events?.failed(protocolError('UNKNOWN_MEMBER_ID'), 'member')
  }

  get #isolation(): Isolation {
    return this.options.isolation ?? 'read_committed'
  }

  #startOf(tp: TopicPartition): bigint {
    const committed = this.#group.committed(tp.topic, tp.partition)
    if (committed !== undefined) return committed
    if (this.options.autoOffsetReset === 'earliest') return this.#broker.startOffset(tp.topic, tp.partition)
    // "latest" for a read_committed reader is the last stable offset, as ListOffsets answers it.
    return this.#isolation === 'read_committed'
      ? this.#broker.lastStableOffset(tp.topic, tp.partition)
      : this.#broker.endOffset(tp.topic, tp.partition)
  }
}

/** ListOffsets and OffsetFetch, answered from the broker (for lag). */
function offsetsClient(broker: MemberBroker, group: Group<InMemoryMember>): OffsetsClient {
  return {
    listOffsets({ topics, partitions, timestamp }) {
      const result = new Map<string, bigint[]>()
      for (const topic of topics) {
        const count = broker.partitionCount(topic) ?? 0
        const wanted = partitions?.[topic] ?? Array.from({ length: count }, (_, i) => i)
        const offsets: bigint[] = []
        for (const p of wanted)
          offsets[p] = timestamp === -2n ? broker.startOffset(topic, p) : broker.endOffset(topic, p)
        result.set(topic, offsets)
      }
      return Promise.resolve(result)
    },
    listCommittedOffsets({ topics }) {
      const result = new Map<string, bigint[]>()
      for (const { topic, partitions } of topics) {
        const offsets: bigint[] = []
        for (const p of partitions) offsets[p] = group.committed(topic, p) ?? -1n
        result.set(topic, offsets)
      }
      return Promise.resolve(result)
    },
  }
}

/** What a member delivers for offsets stepped over up to `offset` (FetchedRecord.skip). */
function skipAt(tp: TopicPartition, offset: bigint): FetchedRecord {
  const { topic, partition } = tp
  return {
    topic,
    partition,
    offset,
    timestamp: 0n,
    leaderEpoch: 0,
    key: null,
    value: null,
    headerEntries: [],
    skip: true,
  }
}
