// A consumer-group member as the runtime needs it: it joins, yields records, reports which
// partitions it was given or lost (with the group generation), pauses and resumes partitions,
// commits offsets, and closes. Everything the consumer asks of Kafka goes through this interface:
// wire-member.ts implements it on @platformatic/kafka; an in-memory Kafka can implement it too.
import type { OffsetsClient } from '../observability/lag.ts'

export interface TopicPartition {
  topic: string
  partition: number
}

/** A header as Kafka holds it: the value may be missing (null). */
export type RecordHeaderEntry = readonly [Buffer, Buffer | null | undefined]

/** A record as fetched. Keys and values are bytes; null or undefined means none (a tombstone's value). */
export interface FetchedRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly timestamp: bigint
  readonly leaderEpoch: number
  readonly key: Buffer | null | undefined
  readonly value: Buffer | null | undefined
  /** In record order, duplicates kept. */
  readonly headerEntries: readonly RecordHeaderEntry[]
  /**
   * Not a record: this offset and those before it down to the last record delivered hold nothing to
   * handle (transaction markers, read_committed: aborted transactions' records). A member delivers
   * one where such offsets end what it fetched, so that the commit can move past them once every
   * record before them is done, as a Java consumer's position does.
   */
  readonly skip?: true
}

/**
 * Partitions this member was given and lost, as of `generation`. With eager assignment every join
 * reports one change; incremental (cooperative) assignment reports them as they come.
 */
export interface AssignmentChange {
  generation: number
  added: TopicPartition[]
  revoked: TopicPartition[]
}

/** Who commits offsets in a transaction (KIP-447 fencing: a member the group moved on from is refused). */
export interface GroupIdentity {
  groupId: string
  generationId: number
  memberId: string
  /** The broker id of the group's coordinator. */
  coordinatorId: number
}

export interface CommitOffset {
  topic: string
  partition: number
  /** The next offset to read: one past the last record done. */
  offset: bigint
  leaderEpoch: number
}

/**
 * What failed: 'fetch' when fetching broke but the membership holds (fetching restarts, partitions
 * are kept); 'member' when the membership itself is lost or broken (a new member must join).
 */
export type FailureScope = 'fetch' | 'member'

/** How a member tells its runner what happens. Calls are synchronous and must not throw. */
export interface MemberEvents {
  /** Records may be read. */
  readable(): void
  assigned(change: AssignmentChange): void
  failed(error: unknown, scope: FailureScope): void
  /**
   * Incremental protocols: partitions are about to be given up. The runner commits its finished
   * work (while every partition is still the member's); the member waits a few seconds at most.
   */
  revoking(): Promise<void>
}

export interface GroupMember {
  /**
   * Joins the group and starts fetching; resolves once fetching has begun, or rejects within
   * `joinTimeoutMs` with a KafkitError naming the brokers and the cause.
   */
  join(events: MemberEvents): Promise<void>
  /** The next fetched record, or null when none is ready (`readable` says when to try again). */
  read(): FetchedRecord | null
  /** The group generation the member was in when it fetched `record`. */
  generationOf(record: FetchedRecord): number
  /**
   * Stops fetching a partition. Records of it already fetched are not delivered. `redeliverFrom` is
   * the offset of a record the caller read and did not take: delivery resumes there. A pause ends
   * with the assignment: a partition revoked and given back is fetched from its committed offset.
   */
  pause(partition: TopicPartition, redeliverFrom?: bigint): void
  /**
   * Fetches a paused partition again, from the first record not delivered; `position` is one past
   * the last record the caller took from it (where to go on when nothing was held back).
   */
  resume(partition: TopicPartition, position: bigint | undefined): void
  /**
   * Delivery of an assigned partition goes on from `offset`: records of it fetched before are not
   * delivered, and its next fetch starts there. Whether it is paused does not change.
   */
  seek(partition: TopicPartition, offset: bigint): void
  /**
   * Commits. Incremental protocols: offsets of partitions the member no longer owns are left out
   * (their new owner commits them); nothing left: 'deferred'. While a rebalance is under way it waits up to `waitMs` for it to end, and answers
   * 'deferred' if it has not (nothing was sent; the offsets are carried by a later commit).
   */
  commit(offsets: readonly CommitOffset[], waitMs?: number): Promise<'committed' | 'deferred'>
  /**
   * For transactional commits: the member's group identity now. While a rebalance is under way it
   * waits up to `waitMs` for it to end, and answers undefined if it has not (like a deferred commit).
   * Optional: a member without it cannot be transactional.
   */
  groupIdentity?(waitMs?: number): Promise<GroupIdentity | undefined>
  /** Restarts fetching after a 'fetch' failure, from the committed offsets (partitions are kept). */
  restartFetch(): Promise<void>
  /** Leaves the group (a rebalance under way is let finish first) within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>
  readonly generation: number
  /** Whether the member is in the group and fetching. */
  readonly connected: boolean
  readonly lastHeartbeat: Date | null
  /** Offset queries for lag measurement (undefined while not connected). */
  readonly offsets: OffsetsClient | undefined
}

/**
 * How partitions move: 'eager' revokes every partition at each rebalance; 'cooperative'
 * (cooperative-sticky) and 'consumer' (KIP-848) revoke only those that move.
 */
export type RebalanceProtocol = 'eager' | 'cooperative' | 'consumer'

export interface MemberOptions {
  group: string
  rebalanceProtocol: RebalanceProtocol
  /** How long join() may take; it then rejects with a KafkitError naming the brokers and the cause. */
  joinTimeoutMs: number
  topics: readonly string[]
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  rebalanceTimeoutMs: number
  autoOffsetReset: 'earliest' | 'latest'
  fetchMinBytes: number
  fetchMaxBytes: number
  fetchMaxBytesPerPartition: number
  fetchMaxWaitMs: number
  /** Records fetched ahead of the runner. */
  maxPollRecords: number
  /** Whether records of open and aborted transactions are read. Default read_committed. */
  isolation?: Isolation | undefined
}

export type Isolation = 'read_committed' | 'read_uncommitted'

/** Makes a new member (a new one after each membership failure). */
export type MemberFactory = (options: MemberOptions) => GroupMember

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`
