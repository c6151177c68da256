// The producer a transactional consumer's commits run on: what a transaction needs of Kafka
// (InitProducerId, AddPartitionsToTxn with the produce requests, AddOffsetsToTxn and TxnOffsetCommit,
// EndTxn), as one small interface. The wire client implements it here; an in-memory Kafka can too.
import { Producer, type Message, type MessageToProduce } from '@platformatic/kafka'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import type { CommitOffset, GroupIdentity } from './member.ts'

/** A record of a transaction, its partition chosen. */
export type TransactionalRecord = MessageToProduce<Buffer, Buffer, Buffer, Buffer> & { partition: number }

export interface ProducerTransaction {
  /** Whether it committed or aborted. */
  readonly completed: boolean
  /** Writes records in the transaction (their partitions are added to it). */
  send(records: TransactionalRecord[]): Promise<void>
  /** Commits the group's offsets in the transaction; refused when the group moved on from `group`. */
  commitOffsets(group: GroupIdentity, offsets: readonly CommitOffset[]): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
}

export interface TransactionalProducer {
  /** The partition counts of those of `topics` that exist. */
  partitionCounts(topics: string[]): Promise<Map<string, number>>
  /**
   * Begins a transaction. The producer's first one initialises it as a new producer with its
   * transactional id: earlier producers with that id are fenced and what they left open is aborted.
   */
  begin(): Promise<ProducerTransaction>
  /** Closes at once (a transaction left open is the broker's to abort). */
  close(): Promise<void>
}

/** Makes the producer of one transactional id, whose transactions time out after `timeoutMs`. */
export type TransactionalProducerFactory = (transactionalId: string, timeoutMs: number) => TransactionalProducer

type WireProducer = Producer<Buffer, Buffer, Buffer, Buffer>

const NEW_PRODUCER = { producerId: -1n, producerEpoch: -1 }

/** Transactional producers on the wire client. */
export function wireTransactionalProducers(client: ClientOptions): TransactionalProducerFactory {
  return (id, timeoutMs) => new WireTransactionalProducer(client, id, timeoutMs)
}

class WireTransactionalProducer implements TransactionalProducer {
  readonly #producer: WireProducer

  constructor(client: ClientOptions, id: string, timeoutMs: number) {
    this.#producer = new Producer({
      ...wireConnectionOptions(client, `${id}-producer`),
      idempotent: true,
      transactionalId: id,
      // The wire client sends its request timeout as the transaction timeout.
      timeout: timeoutMs,
      retries: 3,
      retryDelay: 250,
    })
  }

  async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const metadata = await this.#producer.metadata({ topics, autocreateTopics: false })
    const counts = new Map<string, number>()
    for (const [name, topic] of metadata.topics) counts.set(name, topic.partitionsCount)
    return counts
  }

  async begin(): Promise<ProducerTransaction> {
    // A new producer must say so with producer id and epoch -1: the wire client sends 0 and 0 unless
    // told, and the coordinator answers PRODUCER_FENCED, for ever, to every producer that follows
    // the first one with this transactional id (a restarted instance, or this one after a failure).
    const transaction = await this.#producer.beginTransaction(NEW_PRODUCER)
    return {
      get completed() {
        return transaction.completed
      },
      send: async (records) => {
        await transaction.send({ messages: records })
      },
      commitOffsets: async (group, offsets) => {
        // The wire client reads only the group id of the consumer it is given.
        await transaction.addConsumer({ groupId: group.groupId } as never)
        // One at a time: the wire client merges concurrent offset commits into the first one.
        for (const offset of offsets) await transaction.addOffset(offsetMessage(offset, group))
      },
      commit: () => transaction.commit(),
      abort: () => transaction.abort(),
    }
  }

  close(): Promise<void> {
    return this.#producer.close(true)
  }
}

/** The message the wire client's addOffset reads: it commits `offset + 1` with the group's identity. */
function offsetMessage(offset: CommitOffset, group: GroupIdentity): Message<Buffer, Buffer, Buffer, Buffer> {
  return {
    topic: offset.topic,
    partition: offset.partition,
    offset: offset.offset - 1n,
    metadata: {
      consumer: {
        groupId: group.groupId,
        generationId: group.generationId,
        memberId: group.memberId,
        coordinatorId: group.coordinatorId,
      },
    },
  } as unknown as Message<Buffer, Buffer, Buffer, Buffer>
}
