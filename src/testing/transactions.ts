// Kafka transactions in memory, as the broker's transaction coordinator keeps them: a transactional
// id has a producer epoch (InitProducerId bumps it, fencing the producers before, and aborts what
// they left open); a transaction's records are written to their partitions at once but stay
// invisible to read_committed readers until EndTxn writes a commit marker to each partition; its
// offsets (TxnOffsetCommit, checked against the group's generation and members, KIP-447) are
// stored with the commit and dropped with an abort. The broker aborts a transaction left open
// longer than its timeout, and fences its producer.
import type { CommitOffset, GroupIdentity } from '../consumer/member.ts'
import type {
  ProducerTransaction,
  TransactionalProducer,
  TransactionalRecord,
} from '../consumer/transaction-producer.ts'
import type { Clock } from '../util/clock.ts'
import { protocolError } from './errors.ts'
import type { ProducedRecord } from './records.ts'

/** A transaction's state, shared by every record it wrote (read_committed readers look at it). */
export interface TransactionState {
  state: 'open' | 'committed' | 'aborted'
}

/** What transactions need of the broker (the in-memory Kafka). */
export interface TransactionBroker {
  readonly clock: Clock
  partitionCount(topic: string): number | undefined
  takeProduceFault(): Error | undefined
  takeCommitFault(group: string): Error | undefined
  /** Appends records of an open transaction; throws the broker's error for the partition. */
  appendTransactional(topic: string, partition: number, records: ProducedRecord[], txn: TransactionState): void
  /** Writes the control record ending `txn` in the partition. */
  writeMarker(topic: string, partition: number, txn: TransactionState): void
  /** The group's generation and members' ids (undefined: no such group). */
  groupState(group: string): { generation: number; memberIds: string[] } | undefined
  /** Stores committed offsets of a group (a transaction's, at its commit). */
  storeOffsets(group: string, offsets: readonly CommitOffset[]): void
}

interface IdState {
  epoch: number
  open: InMemoryTransaction | undefined
}

export class TransactionCoordinator {
  readonly #broker: TransactionBroker
  readonly #ids = new Map<string, IdState>()

  constructor(broker: TransactionBroker) {
    this.#broker = broker
  }

  /** InitProducerId: a new epoch for the id; a transaction the id left open is aborted. */
  init(id: string): number {
    const state = this.#ids.get(id) ?? { epoch: -1, open: undefined }
    this.#ids.set(id, state)
    state.open?.end('aborted')
    state.epoch++
    return state.epoch
  }

  /** Throws PRODUCER_FENCED unless `epoch` is the id's current one. */
  check(id: string, epoch: number): void {
    if (this.#ids.get(id)?.epoch !== epoch) throw protocolError('PRODUCER_FENCED')
  }

  /** Whether a transaction of any producer is open now. */
  get openCount(): number {
    let count = 0
    for (const state of this.#ids.values()) if (state.open) count++
    return count
  }

  begin(id: string, epoch: number, timeoutMs: number): InMemoryTransaction {
    this.check(id, epoch)
    const state = this.#ids.get(id)!
    if (state.open) throw protocolError('CONCURRENT_TRANSACTIONS')
    const transaction = new InMemoryTransaction(this.#broker, this, id, epoch)
    state.open = transaction
    const timer = this.#broker.clock.setTimeout(() => {
      if (state.open !== transaction) return
      // The coordinator aborts it and fences its producer (a new epoch).
      transaction.end('aborted')
      state.epoch++
    }, timeoutMs)
    transaction.onEnd(() => {
      this.#broker.clock.clearTimeout(timer)
      if (state.open === transaction) state.open = undefined
    })
    return transaction
  }
}

export class InMemoryTransaction implements ProducerTransaction {
  readonly #broker: TransactionBroker
  readonly #coordinator: TransactionCoordinator
  readonly #id: string
  readonly #epoch: number
  readonly #txn: TransactionState = { state: 'open' }
  readonly #partitions = new Map<string, { topic: string; partition: number }>()
  readonly #offsets = new Map<string, CommitOffset[]>()
  readonly #ended: (() => void)[] = []

  constructor(broker: TransactionBroker, coordinator: TransactionCoordinator, id: string, epoch: number) {
    this.#broker = broker
    this.#coordinator = coordinator
    this.#id = id
    this.#epoch = epoch
  }

  get completed(): boolean {
    return this.#txn.state !== 'open'
  }

  async send(records: TransactionalRecord[]): Promise<void> {
    await this.#request()
    const fault = this.#broker.takeProduceFault()
    if (fault) throw fault
    const byPartition = new Map<string, TransactionalRecord[]>()
    for (const record of records) {
      const key = `${record.topic}\u0000${record.partition}`
      byPartition.set(key, [...(byPartition.get(key) ?? []), record])
    }
    // Each partition is written alone (AddPartitionsToTxn, then its batch); a refused one fails the send.
    let failure: Error | undefined
    for (const [key, batch] of byPartition) {
      const { topic, partition } = batch[0]!
      try {
        this.#broker.appendTransactional(topic, partition, batch.map(produced), this.#txn)
        this.#partitions.set(key, { topic, partition })
      } catch (error) {
        failure ??= error as Error
      }
    }
    if (failure) throw failure
  }

  async commitOffsets(group: GroupIdentity, offsets: readonly CommitOffset[]): Promise<void> {
    await this.#request()
    const fault = this.#broker.takeCommitFault(group.groupId)
    if (fault) throw fault
    const state = this.#broker.groupState(group.groupId)
    // KIP-447: the coordinator refuses a member the group has moved on from.
    if (!state?.memberIds.includes(group.memberId)) throw protocolError('UNKNOWN_MEMBER_ID')
    if (state.generation !== group.generationId) throw protocolError('ILLEGAL_GENERATION')
    for (const offset of offsets) {
      if (this.#broker.partitionCount(offset.topic) === undefined) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION')
    }
    this.#offsets.set(group.groupId, [...(this.#offsets.get(group.groupId) ?? []), ...offsets])
  }

  async commit(): Promise<void> {
    await this.#request()
    this.end('committed')
  }

  async abort(): Promise<void> {
    await Promise.resolve()
    if (this.#txn.state === 'open') this.end('aborted')
  }

  /** EndTxn: markers to every partition written, offsets stored (commit) or dropped (abort). */
  end(outcome: 'committed' | 'aborted'): void {
    if (this.#txn.state !== 'open') return
    this.#txn.state = outcome
    if (outcome === 'committed') for (const [group, offsets] of this.#offsets) this.#broker.storeOffsets(group, offsets)
    for (const { topic, partition } of this.#partitions.values()) this.#broker.writeMarker(topic, partition, this.#txn)
    for (const listener of this.#ended.splice(0)) listener()
  }

  onEnd(listener: () => void): void {
    this.#ended.push(listener)
  }

  /** A request reaches the coordinator a turn later; a fenced or ended transaction is refused. */
  async #request(): Promise<void> {
    await Promise.resolve()
    this.#coordinator.check(this.#id, this.#epoch)
    if (this.#txn.state !== 'open') throw protocolError('INVALID_TXN_STATE')
  }
}

export class InMemoryTransactionalProducer implements TransactionalProducer {
  readonly #broker: TransactionBroker
  readonly #coordinator: TransactionCoordinator
  readonly #id: string
  readonly #timeoutMs: number
  #epoch: number | undefined
  #closed = false

  constructor(broker: TransactionBroker, coordinator: TransactionCoordinator, id: string, timeoutMs: number) {
    this.#broker = broker
    this.#coordinator = coordinator
    this.#id = id
    this.#timeoutMs = timeoutMs
  }

  partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for (const topic of topics) {
      const count = this.#broker.partitionCount(topic)
      if (count !== undefined) counts.set(topic, count)
    }
    return Promise.resolve(counts)
  }

  async begin(): Promise<ProducerTransaction> {
    await Promise.resolve()
    if (this.#closed) throw new Error('the in-memory transactional producer is closed')
    this.#epoch ??= this.#coordinator.init(this.#id)
    return this.#coordinator.begin(this.#id, this.#epoch, this.#timeoutMs)
  }

  close(): Promise<void> {
    // Like the wire client's forced close: an open transaction is left to the coordinator's timeout.
    this.#closed = true
    return Promise.resolve()
  }
}

function produced(record: TransactionalRecord): ProducedRecord {
  return {
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
  }
}
