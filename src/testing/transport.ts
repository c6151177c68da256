// The producer's transport to the in-memory Kafka: one broker (node 0) leads every partition, and a
// send writes each partition's records as one batch. The sender, its batching and partitioning
// (murmur2 by default, the catalog's partitioners), deadlines and settling are kafkit's own code;
// only the request is answered here. Like the wire client, the transport retries an error the
// broker says can be retried, until the records' deadline.
import type { Broker, ClusterTopicMetadata, ProduceResult } from '@platformatic/kafka'
import { UnknownTopicError } from '../cluster/view.ts'
import type { OutgoingRecord } from '../producer/record.ts'
import type { ProducerTransport, TransportView, TransportWire } from '../producer/transport.ts'
import { produceResponseError, protocolError } from './errors.ts'
import type { ProducedRecord } from './records.ts'

/** What the transport needs of the broker it writes to (the in-memory Kafka). */
export interface TransportBroker {
  hasTopic(name: string): boolean
  partitionCount(topic: string): number | undefined
  takeProduceFault(): Error | undefined
  append(topic: string, partition: number, records: readonly ProducedRecord[]): bigint
}

const NODE = 0
const BROKER: Broker = { host: 'in-memory', port: 9092 }
/** Delay between attempts of a retriable failure (real time, as the producer's deadlines are). */
const RETRY_DELAY_MS = 5

export function inMemoryTransport(broker: TransportBroker): ProducerTransport {
  const view = new InMemoryView(broker)
  const wire = new InMemoryWire(broker)
  return { view, wire, destroy: () => undefined }
}

class InMemoryView implements TransportView {
  readonly #broker: TransportBroker
  readonly addresses = ['in-memory:9092']

  constructor(broker: TransportBroker) {
    this.#broker = broker
  }

  topic(name: string): ClusterTopicMetadata | undefined {
    const count = this.#broker.partitionCount(name)
    if (count === undefined) return undefined
    const partitions = Array.from({ length: count }, () => ({
      leader: NODE,
      leaderEpoch: 0,
      replicas: [NODE],
      isr: [NODE],
      offlineReplicas: [],
    }))
    return { id: name, partitions, partitionsCount: count, lastUpdate: Date.now() }
  }

  leader(topic: string, partition: number): number | undefined {
    const count = this.#broker.partitionCount(topic)
    return count !== undefined && partition < count ? NODE : undefined
  }

  broker(nodeId: number): Broker | undefined {
    return nodeId === NODE ? BROKER : undefined
  }

  nameOf(nodeId: number): string {
    return `in-memory:${nodeId}`
  }

  freshen(): void {}

  suspect(): void {}

  refresh(topics: Iterable<string> = []): Promise<void> {
    for (const topic of topics) {
      if (!this.#broker.hasTopic(topic))
        return Promise.reject(new UnknownTopicError(topic, protocolError('UNKNOWN_TOPIC_OR_PARTITION')))
    }
    return Promise.resolve()
  }

  close(): Promise<void> {
    return Promise.resolve()
  }
}

class InMemoryWire implements TransportWire {
  readonly #broker: TransportBroker
  #producerId: bigint | undefined
  #deadline: number | undefined
  #closed = false

  constructor(broker: TransportBroker) {
    this.#broker = broker
  }

  get producerId(): bigint | undefined {
    return this.#producerId
  }

  withDeadline<T>(deadline: number, call: () => T): T {
    this.#deadline = deadline
    try {
      return call()
    } finally {
      this.#deadline = undefined
    }
  }

  initIdempotentProducer(): Promise<unknown> {
    this.#producerId = 1n
    return Promise.resolve({ producerId: this.#producerId, producerEpoch: 0 })
  }

  send(options: { messages: never[]; acks: number }): Promise<ProduceResult> {
    const records = options.messages as OutgoingRecord[]
    const deadline = this.#deadline ?? Number.MAX_SAFE_INTEGER
    return this.#attempt(records, deadline, options.acks !== 0)
  }

  async #attempt(records: OutgoingRecord[], deadline: number, answered: boolean): Promise<ProduceResult> {
    for (;;) {
      // The request reaches the broker a turn later, as a network request would.
      await Promise.resolve()
      if (this.#closed) throw new Error('the in-memory producer transport is closed')
      const fault = this.#broker.takeProduceFault()
      if (!fault) return answered ? this.#write(records) : this.#writeUnanswered(records)
      const retriable = (fault as { canRetry?: boolean }).canRetry === true
      if (!retriable || Date.now() + RETRY_DELAY_MS >= deadline) throw fault
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS))
    }
  }

  /** Writes each partition's records as one batch; partitions the broker refuses fail alone. */
  #write(records: OutgoingRecord[]): ProduceResult {
    const byPartition = new Map<string, OutgoingRecord[]>()
    for (const record of records) {
      const id = `${record.topic}\u0000${record.partition}`
      const list = byPartition.get(id)
      if (list) list.push(record)
      else byPartition.set(id, [record])
    }
    const results: { topic: string; partition: number; baseOffset: bigint; error?: string }[] = []
    for (const batch of byPartition.values()) {
      const { topic, partition } = batch[0]!
      try {
        const baseOffset = this.#broker.append(topic, partition!, batch)
        results.push({ topic, partition: partition!, baseOffset })
      } catch (error) {
        const name = (error as { apiId?: string }).apiId ?? 'UNKNOWN_SERVER_ERROR'
        results.push({ topic, partition: partition!, baseOffset: -1n, error: name })
      }
    }
    if (results.some((r) => r.error !== undefined)) throw produceResponseError(results)
    return { offsets: results.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.baseOffset })) }
  }

  /**
   * acks=0: the broker sends no answer, so the wire client reports no offsets and hears of no
   * refusal (a record the broker refuses is lost without an error, as on a real broker).
   */
  #writeUnanswered(records: OutgoingRecord[]): ProduceResult {
    try {
      this.#write(records)
    } catch {
      // No answer comes back for a refused partition either.
    }
    return { unwritableNodes: [] }
  }

  dropConnection(): boolean {
    return false
  }

  close(): Promise<void> {
    this.#closed = true
    return Promise.resolve()
  }
}
