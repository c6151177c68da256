// An in-memory Kafka: topics of partitions holding records at offsets, consumer groups with
// committed offsets, and the controls a test uses to make faults happen when it wants them. kafkit's
// producer and consumer run on it unchanged: the producer through a transport (transport.ts), the
// consumer through group members (member.ts), both the same seams the wire client sits behind.
import { estimateBytes, type RecordHeaders } from '../producer/record.ts'
import type { MemberFactory, RecordHeaderEntry, TopicPartition } from '../consumer/member.ts'
import type { TransportFactory } from '../producer/transport.ts'
import { systemClock, type Clock } from '../util/clock.ts'
import { KafkitError, ErrorCodes } from '../errors.ts'
import { Group } from './group.ts'
import { InMemoryMember } from './member.ts'
import { inMemoryTransport } from './transport.ts'
import {
  InMemoryTransactionalProducer,
  TransactionCoordinator,
  type TransactionBroker,
  type TransactionState,
} from './transactions.ts'
import type { Isolation } from '../consumer/member.ts'
import type { TransactionalProducerFactory } from '../consumer/transaction-producer.ts'
import { protocolError, type BrokerErrorName } from './errors.ts'
import type { ProducedRecord, StoredRecord } from './records.ts'

export type { ProducedRecord, StoredRecord } from './records.ts'

/** The broker's default `message.max.bytes` (a record batch larger than this is refused). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
/** A record batch's header: counted against the limit like the broker does. */
const BATCH_HEADER_BYTES = 61

export interface TopicOptions {
  /** Default 1. */
  partitions?: number
  /** The topic's `max.message.bytes`: a larger batch is refused with MESSAGE_TOO_LARGE. */
  maxMessageBytes?: number
}

export interface InMemoryKafkaOptions {
  /** Time of record timestamps and of the groups' timers. Default: real time. */
  clock?: Clock
}

/** A record's part in a transaction: the transaction's state, or a control record (its marker). */
type Mark = TransactionState | 'control'

interface Topic {
  name: string
  maxMessageBytes: number
  partitions: StoredRecord[][]
  /** Per partition, by offset: what transaction wrote the record (none: not transactional). */
  marks: Map<number, Mark>[]
  /** Per partition: the open transactions' first offsets. */
  open: Map<TransactionState, number>[]
}

interface Fault {
  left: number
  error: () => Error
  group: string | undefined
}

export class InMemoryKafka {
  readonly clock: Clock
  readonly #topics = new Map<string, Topic>()
  readonly #groups = new Map<string, Group<InMemoryMember>>()
  readonly #appendListeners = new Set<(topic: string, partition: number) => void>()
  #produceFaults: Fault[] = []
  #commitFaults: Fault[] = []
  readonly #transactions: TransactionCoordinator
  readonly #transactionBroker: TransactionBroker

  constructor(options: InMemoryKafkaOptions = {}) {
    this.clock = options.clock ?? systemClock
    this.#transactionBroker = {
      clock: this.clock,
      partitionCount: (topic) => this.partitionCount(topic),
      takeProduceFault: () => this.takeProduceFault(),
      takeCommitFault: (group) => this.takeCommitFault(group),
      appendTransactional: (topic, partition, records, txn) => void this.#append(topic, partition, records, txn),
      writeMarker: (topic, partition, txn) => this.#writeMarker(topic, partition, txn),
      groupState: (id) => {
        const group = this.#groups.get(id)
        return group && { generation: group.generation, memberIds: group.members.map((m) => m.id) }
      },
      storeOffsets: (group, offsets) => this.group(group).storeOffsets(offsets),
    }
    this.#transactions = new TransactionCoordinator(this.#transactionBroker)
  }

  // ---- topics ----------------------------------------------------------------------------------

  /** Creates a topic (again with the same partition count: nothing happens). */
  createTopic(name: string, options: TopicOptions = {}): void {
    const partitions = options.partitions ?? 1
    const existing = this.#topics.get(name)
    if (existing) {
      if (existing.partitions.length !== partitions)
        throw new KafkitError(
          ErrorCodes.CONFIG_INVALID,
          `topic ${name} exists with ${existing.partitions.length} partitions, not ${partitions}`,
        )
      return
    }
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new KafkitError(ErrorCodes.CONFIG_INVALID, `topic ${name}: partitions must be a positive integer`)
    this.#topics.set(name, {
      name,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      partitions: Array.from({ length: partitions }, () => []),
      marks: Array.from({ length: partitions }, () => new Map<number, Mark>()),
      open: Array.from({ length: partitions }, () => new Map<TransactionState, number>()),
    })
  }

  hasTopic(name: string): boolean {
    return this.#topics.has(name)
  }

  topicNames(): string[] {
    return [...this.#topics.keys()].sort()
  }

  /** The topic's partition count (undefined for a topic that does not exist). */
  partitionCount(topic: string): number | undefined {
    return this.#topics.get(topic)?.partitions.length
  }

  /**
   * The records of a topic (or of one of its partitions), partition by partition, in offset order,
   * as a consumer with `isolation` reads them: read_committed (the default) stops at the first
   * record of a transaction still open and leaves out aborted ones; neither shows the control
   * records that end transactions.
   */
  records(topic: string, partition?: number, options: { isolation?: Isolation } = {}): readonly StoredRecord[] {
    const t = this.#topics.get(topic)
    if (!t) return []
    const isolation = options.isolation ?? 'read_committed'
    const partitions = partition === undefined ? t.partitions.map((_, p) => p) : [partition]
    const records: StoredRecord[] = []
    for (const p of partitions) {
      const end = isolation === 'read_committed' ? this.lastStableOffset(topic, p) : this.endOffset(topic, p)
      for (let offset = 0n; offset < end; offset++) {
        const record = this.fetchAt(topic, p, offset, isolation)
        if (record !== 'skip' && record !== undefined) records.push(record)
      }
    }
    return records
  }

  /**
   * What a fetch at `offset` returns: the record; 'skip' for a control record or (read_committed)
   * an aborted one, which the reader steps over; undefined when there is nothing to read there yet
   * (the log's end, or for read_committed the last stable offset).
   */
  fetchAt(topic: string, partition: number, offset: bigint, isolation: Isolation): StoredRecord | 'skip' | undefined {
    const t = this.#topics.get(topic)
    const record = t?.partitions[partition]?.[Number(offset)]
    if (!t || !record) return undefined
    if (isolation === 'read_committed' && offset >= this.lastStableOffset(topic, partition)) return undefined
    const mark = t.marks[partition]!.get(Number(offset))
    if (mark === 'control') return 'skip'
    if (isolation === 'read_committed' && mark?.state === 'aborted') return 'skip'
    return record
  }

  /** The first offset of a transaction still open in the partition (none open: the log end offset). */
  lastStableOffset(topic: string, partition: number): bigint {
    const open = this.#topics.get(topic)?.open[partition]
    if (!open) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION')
    return open.size === 0 ? this.endOffset(topic, partition) : BigInt(Math.min(...open.values()))
  }

  /** Transactions open now, of every transactional id. */
  get openTransactions(): number {
    return this.#transactions.openCount
  }

  /** The offset the next record of the partition gets (the log end offset). */
  endOffset(topic: string, partition: number): bigint {
    return BigInt(this.#log(topic, partition).length)
  }

  /** The partition's first offset (records are never deleted here: 0). */
  startOffset(_topic: string, _partition: number): bigint {
    return 0n
  }

  /** The record at `offset`, if the partition has one there. */
  recordAt(topic: string, partition: number, offset: bigint): StoredRecord | undefined {
    return this.#topics.get(topic)?.partitions[partition]?.[Number(offset)]
  }

  /**
   * Appends records to one partition as one batch, as a produce request does: refused whole when
   * the topic does not exist or the batch is larger than the topic's `max.message.bytes`.
   * Returns the base offset.
   */
  append(topic: string, partition: number, records: readonly ProducedRecord[]): bigint {
    return this.#append(topic, partition, records, undefined)
  }

  #append(topic: string, partition: number, records: readonly ProducedRecord[], txn: Mark | undefined): bigint {
    const t = this.#topics.get(topic)
    const log = t?.partitions[partition]
    if (!t || !log) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION')
    let bytes = BATCH_HEADER_BYTES
    for (const r of records) bytes += estimateBytes(r.key ?? undefined, r.value ?? null, toHeaders(r.headers))
    if (bytes > t.maxMessageBytes) throw protocolError('MESSAGE_TOO_LARGE')
    const base = BigInt(log.length)
    const now = BigInt(this.clock.now())
    if (txn !== undefined && txn !== 'control' && !t.open[partition]!.has(txn)) t.open[partition]!.set(txn, log.length)
    for (const r of records) {
      if (txn !== undefined) t.marks[partition]!.set(log.length, txn)
      log.push({
        topic,
        partition,
        offset: BigInt(log.length),
        timestamp: r.timestamp ?? now,
        leaderEpoch: 0,
        key: r.key ?? null,
        value: r.value ?? null,
        headerEntries: entriesOf(r.headers),
      })
    }
    for (const listener of this.#appendListeners) listener(topic, partition)
    return base
  }

  /** A transaction's end in a partition: a control record, which takes an offset and is never delivered. */
  #writeMarker(topic: string, partition: number, txn: TransactionState): void {
    this.#topics.get(topic)?.open[partition]?.delete(txn)
    this.#append(topic, partition, [{ key: null, value: null, headers: undefined, timestamp: undefined }], 'control')
  }

  #log(topic: string, partition: number): StoredRecord[] {
    const log = this.#topics.get(topic)?.partitions[partition]
    if (!log) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION')
    return log
  }

  /** Calls `listener` after every append (until the returned function is called). */
  onAppend(listener: (topic: string, partition: number) => void): () => void {
    this.#appendListeners.add(listener)
    return () => this.#appendListeners.delete(listener)
  }

  // ---- groups ----------------------------------------------------------------------------------

  /** The group's coordinator state (made on first use, as Kafka makes a group on first join). */
  group(id: string): Group<InMemoryMember> {
    let group = this.#groups.get(id)
    if (!group) this.#groups.set(id, (group = new Group<InMemoryMember>(id, this)))
    return group
  }

  groupIds(): string[] {
    return [...this.#groups.keys()].sort()
  }

  /** The group's committed offset of a partition (the next offset to read), if it committed one. */
  committed(group: string, topic: string, partition: number): bigint | undefined {
    return this.#groups.get(group)?.committed(topic, partition)
  }

  // ---- wiring ----------------------------------------------------------------------------------

  /** Group members on this broker, for `ConsumerOptions.groupMember`. */
  members(): MemberFactory {
    return (options) => new InMemoryMember(this, options)
  }

  /** The producer's transport to this broker, for `ProducerOptions.transport`. */
  transport(): TransportFactory {
    return () => inMemoryTransport(this)
  }

  /** Transactional producers on this broker, for `ConsumerOptions.transactionalProducer`. */
  transactionalProducers(): TransactionalProducerFactory {
    return (id, timeoutMs) =>
      new InMemoryTransactionalProducer(this.#transactionBroker, this.#transactions, id, timeoutMs)
  }

  // ---- faults ----------------------------------------------------------------------------------

  /**
   * The next `count` produce requests fail with `error` (a protocol error name such as
   * 'NOT_LEADER_OR_FOLLOWER', retried by the producer like the wire client retries it, or
   * 'INVALID_RECORD', which it does not retry; or an Error of your own).
   */
  failNextProduce(count: number, error: BrokerErrorName | Error = 'NOT_LEADER_OR_FOLLOWER'): void {
    this.#produceFaults.push({ left: count, error: errorMaker(error), group: undefined })
  }

  /** The next `count` offset commits (of `group`, or of any group) fail with `error`. */
  failNextCommit(
    count: number,
    error: BrokerErrorName | Error = 'COORDINATOR_NOT_AVAILABLE',
    options: { group?: string } = {},
  ): void {
    this.#commitFaults.push({ left: count, error: errorMaker(error), group: options.group })
  }

  /** The injected failure of this produce request, if any (used by the transport). */
  takeProduceFault(): Error | undefined {
    return take(this.#produceFaults, undefined)
  }

  /** The injected failure of this commit, if any (used by the members). */
  takeCommitFault(group: string): Error | undefined {
    return take(this.#commitFaults, group)
  }

  /** Rebalances the group now: every member is given its partitions anew (eager: in one step). */
  rebalance(group: string): void {
    this.#groups.get(group)?.rebalance()
  }

  /** Fetches of the group's members (or of every group) return nothing for `ms` on the broker's clock. */
  delayFetch(ms: number, options: { group?: string } = {}): void {
    const groups = options.group === undefined ? [...this.#groups.values()] : [this.group(options.group)]
    for (const g of groups) g.delayFetch(ms)
  }
}

function errorMaker(error: BrokerErrorName | Error): () => Error {
  return typeof error === 'string' ? () => protocolError(error) : () => error
}

function take(faults: Fault[], group: string | undefined): Error | undefined {
  const fault = faults.find((f) => f.left > 0 && (f.group === undefined || f.group === group))
  if (!fault) return undefined
  fault.left--
  return fault.error()
}

function toHeaders(headers: ProducedRecord['headers']): RecordHeaders {
  if (headers === undefined) return {}
  if (Array.isArray(headers)) return new Map((headers as readonly RecordHeaderEntry[]).map(([k, v]) => [k, v ?? null]))
  return headers as RecordHeaders
}

/** Headers as Kafka holds them: entries of bytes, in order, duplicates kept. */
function entriesOf(headers: ProducedRecord['headers']): RecordHeaderEntry[] {
  if (headers === undefined) return []
  if (Array.isArray(headers)) return [...(headers as readonly RecordHeaderEntry[])]
  if (headers instanceof Map) return [...(headers as Map<Buffer, Buffer | null>)].map(([k, v]) => [k, v])
  return Object.entries(headers as Record<string, string | Buffer>).map(([k, v]) => [
    Buffer.from(k),
    Buffer.isBuffer(v) ? v : Buffer.from(v),
  ])
}

export type { TopicPartition }
