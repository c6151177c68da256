// Consume-transform-produce in one Kafka transaction. A transactional consumer's group members are
// wrapped here: each commit of finished offsets becomes one transaction that writes the outputs
// staged for the records below those offsets (staging.ts) and commits the offsets with them
// (TxnOffsetCommit). Either both are visible to read_committed readers, or neither.
//
// Fencing: the offsets are committed with the member's group generation and member id (KIP-447), so
// a member the group has moved on from (a zombie) fails its commit and aborts; its outputs are never
// visible. The transactional id is stable per instance and group when `transactional.id` is given:
// a restarted instance then aborts what its dead predecessor left open at once, instead of after the
// transaction timeout.
//
// The wire client allows one open transaction per producer and collapses concurrent calls of one
// kind (AddPartitionsToTxn, TxnOffsetCommit) into the first one's request: every transaction step
// here runs in sequence, one transaction at a time per member.
import { randomUUID } from 'node:crypto'
import { murmur2Partition } from '../catalog/partitioners.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import { within, type Clock } from '../util/clock.ts'
import {
  tpKey,
  type CommitOffset,
  type FetchedRecord,
  type GroupIdentity,
  type GroupMember,
  type MemberEvents,
  type MemberFactory,
  type MemberOptions,
} from './member.ts'
import { stagedBytes, type Staging, type StagedRecord } from './staging.ts'
import type {
  TransactionalProducer,
  TransactionalProducerFactory,
  TransactionalRecord,
} from './transaction-producer.ts'

export interface TransactionSettings {
  /** Makes the transactional producers (on the wire client, or on an in-memory Kafka). */
  producers: TransactionalProducerFactory
  /** Transactional ids are `{id}.{group}`. */
  id: string
  timeoutMs: number
  staging: Staging
  logger: Logger
  clock: Clock
}

/**
 * Bytes per produce request of a transaction. The wire client writes one batch per partition per
 * request, and a batch over the broker's message.max.bytes (1 MiB by default) is refused: a
 * commit interval's outputs go in several requests, one after another.
 */
const REQUEST_BYTES = 512 * 1024

/**
 * Staged bytes above which no more records are read until a commit takes some away: memory stays
 * bounded when commits fail (the broker is away) or handlers publish faster than commits write.
 */
const MAX_STAGED_BYTES = 32 * 1024 * 1024

/** Makes members whose commits are transactions. */
export function transactionalMembers(inner: MemberFactory, settings: TransactionSettings): MemberFactory {
  return (options) => new TransactionalMember(inner(options), options, settings)
}

class TransactionalMember implements GroupMember {
  readonly #inner: GroupMember
  readonly #s: TransactionSettings
  readonly #session: TransactionSession
  /** Commits (transactions) run one after another, and so do the staging changes queued behind them. */
  #queue: Promise<unknown> = Promise.resolve()
  #events: MemberEvents | undefined
  readonly #eager: boolean
  /** Partitions owned now (incremental protocols commit only those, as the inner member does). */
  readonly #owned = new Set<string>()
  /** Reading stopped for staged bytes: a commit that frees some says `readable` again. */
  #held = false

  constructor(inner: GroupMember, options: MemberOptions, settings: TransactionSettings) {
    this.#inner = inner
    this.#s = settings
    this.#eager = options.rebalanceProtocol === 'eager'
    this.#session = new TransactionSession(`${settings.id}.${options.group}`, settings)
  }

  join(events: MemberEvents): Promise<void> {
    if (!this.#inner.groupIdentity)
      return Promise.reject(
        new KafkitError(
          ErrorCodes.CONSUMER_STATE,
          'this group member cannot commit in a transaction (no group identity)',
        ),
      )
    const staging = this.#s.staging
    this.#events = events
    return this.#inner.join({
      readable: () => events.readable(),
      failed: (error, scope) => events.failed(error, scope),
      revoking: () => events.revoking(),
      assigned: (change) => {
        for (const tp of change.revoked) this.#owned.delete(tpKey(tp.topic, tp.partition))
        for (const tp of change.added) this.#owned.add(tpKey(tp.topic, tp.partition))
        // Records fetched before the change stage nothing more; what they staged is committed by
        // the commit the runner starts for the revoked partitions (queued now), then dropped.
        staging.reassigned([...change.revoked, ...change.added])
        events.assigned(change)
        const gone = [...change.revoked, ...change.added]
        if (gone.length > 0) void this.#serial(() => Promise.resolve(staging.forget(gone)))
      },
    })
  }

  read(): FetchedRecord | null {
    if (this.#s.staging.bytes > MAX_STAGED_BYTES) {
      this.#held = true
      return null
    }
    const record = this.#inner.read()
    if (record) this.#s.staging.fetched(record)
    return record
  }

  commit(offsets: readonly CommitOffset[], waitMs = 0): Promise<'committed' | 'deferred'> {
    return this.#serial(() => this.#commit(offsets, waitMs))
  }

  async #commit(given: readonly CommitOffset[], waitMs: number): Promise<'committed' | 'deferred'> {
    const group = await this.#inner.groupIdentity!(waitMs)
    if (!group) return 'deferred'
    // Incremental protocols: a partition already given up is its new owner's to commit. Eager
    // revokes everything at once and commits on the way out.
    const offsets = this.#eager ? given : given.filter((o) => this.#owned.has(tpKey(o.topic, o.partition)))
    if (offsets.length === 0) return 'deferred'
    const collected = this.#s.staging.collect(offsets)
    await this.#session.run(group, collected.records, offsets)
    collected.release()
    if (this.#held && this.#s.staging.bytes <= MAX_STAGED_BYTES) {
      this.#held = false
      this.#events?.readable()
    }
    return 'committed'
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work)
    this.#queue = next.catch(() => undefined)
    return next
  }

  async close(timeoutMs: number): Promise<void> {
    const deadline = this.#s.clock.now() + timeoutMs
    // A transaction under way ends first (the runner's final commit), within the time given.
    await within(this.#s.clock, this.#queue, timeoutMs)
    await Promise.all([this.#session.close(), this.#inner.close(Math.max(0, deadline - this.#s.clock.now()))])
  }

  // ---- everything else is the inner member's ---------------------------------------------------

  generationOf(record: FetchedRecord): number {
    return this.#inner.generationOf(record)
  }
  pause(...args: Parameters<GroupMember['pause']>): void {
    this.#inner.pause(...args)
  }
  resume(...args: Parameters<GroupMember['resume']>): void {
    this.#inner.resume(...args)
  }
  restartFetch(): Promise<void> {
    return this.#inner.restartFetch()
  }
  seek(...args: Parameters<GroupMember['seek']>): ReturnType<GroupMember['seek']> {
    return this.#inner.seek(...args)
  }
  get generation() {
    return this.#inner.generation
  }
  get connected() {
    return this.#inner.connected
  }
  get lastHeartbeat() {
    return this.#inner.lastHeartbeat
  }
  get offsets() {
    return this.#inner.offsets
  }
}

/**
 * One transactional producer and the transactions it runs. After any failure it is replaced: the new
 * one's InitProducerId (same transactional id) aborts whatever the old one left open.
 */
class TransactionSession {
  readonly #id: string
  readonly #s: TransactionSettings
  #producer: TransactionalProducer | undefined
  /** Round robin for records without a key, per topic. */
  readonly #next = new Map<string, number>()

  constructor(transactionalId: string, settings: TransactionSettings) {
    this.#id = transactionalId
    this.#s = settings
  }

  /** Writes `records` and commits `offsets` for `group` in one transaction, within the timeout. */
  async run(group: GroupIdentity, records: StagedRecord[], offsets: readonly CommitOffset[]): Promise<void> {
    const producer = (this.#producer ??= this.#create())
    let failure: unknown
    const work = this.#transact(producer, group, records, offsets).catch((error: unknown) => {
      failure = error
    })
    const finished = await within(this.#s.clock, work, this.#s.timeoutMs)
    if (finished && failure === undefined) return
    // Whatever state the transaction is in, a new producer with this id aborts it.
    this.#reset(producer)
    const cause = finished ? failure : new Error(`no answer within ${this.#s.timeoutMs} ms`)
    throw new KafkitError(
      ErrorCodes.TRANSACTION_FAILED,
      `the transaction of ${records.length} records and ${offsets.length} offsets (group ${group.groupId}) was aborted: ${errorMessage(cause)}`,
      { cause, retryable: true, details: { transactionalId: this.#id, group: group.groupId } },
    )
  }

  async #transact(
    producer: TransactionalProducer,
    group: GroupIdentity,
    records: StagedRecord[],
    offsets: readonly CommitOffset[],
  ): Promise<void> {
    const messages = records.length > 0 ? await this.#messages(producer, records) : []
    const transaction = await producer.begin()
    try {
      for (const chunk of chunks(messages, records)) await transaction.send(chunk)
      await transaction.commitOffsets(group, offsets)
      await transaction.commit()
    } catch (error) {
      if (!transaction.completed) await transaction.abort().catch(() => undefined)
      throw error
    }
  }

  /** Partitions chosen here, with the topic's partitioner (the wire client's default is not Java's). */
  async #messages(producer: TransactionalProducer, records: StagedRecord[]): Promise<TransactionalRecord[]> {
    const counts = await producer.partitionCounts([...new Set(records.map((r) => r.topic))])
    return records.map((r) => {
      const count = counts.get(r.topic)
      if (count === undefined)
        throw new KafkitError(ErrorCodes.TOPIC_NOT_FOUND, `topic ${r.topic} does not exist`, { retryable: true })
      let partition = r.partition
      if (partition === undefined && r.key !== undefined)
        partition = (r.partitioner?.partition ?? murmur2Partition)(r.key, count)
      if (partition === undefined) {
        partition = (this.#next.get(r.topic) ?? 0) % count
        this.#next.set(r.topic, partition + 1)
      }
      return {
        topic: r.topic,
        partition,
        ...(r.key !== undefined && { key: r.key }),
        ...(r.value !== null && { value: r.value }),
        headers: new Map(r.headers),
        ...(r.timestamp !== undefined && { timestamp: r.timestamp }),
      }
    })
  }

  #create(): TransactionalProducer {
    return this.#s.producers(this.#id, this.#s.timeoutMs)
  }

  #reset(producer: TransactionalProducer): void {
    if (this.#producer === producer) this.#producer = undefined
    producer
      .close()
      .catch((error: unknown) => this.#s.logger.debug({ err: error }, 'closing a transactional producer failed'))
  }

  async close(): Promise<void> {
    const producer = this.#producer
    this.#producer = undefined
    await producer?.close().catch(() => undefined)
  }
}

/** Messages in requests of at most REQUEST_BYTES (a record larger than that goes alone). */
function* chunks<M>(messages: M[], records: StagedRecord[]): Generator<M[]> {
  let from = 0
  let bytes = 0
  for (let i = 0; i < messages.length; i++) {
    const size = stagedBytes(records[i]!)
    if (i > from && bytes + size > REQUEST_BYTES) {
      yield messages.slice(from, i)
      from = i
      bytes = 0
    }
    bytes += size
  }
  if (from < messages.length) yield messages.slice(from)
}

/** The default transactional id prefix: unique per process (see `transactional.id` for a stable one). */
export function defaultTransactionalId(service: string): string {
  return `kafkit-${service}-${randomUUID()}`
}
