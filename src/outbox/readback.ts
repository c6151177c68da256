// What the relay asks Kafka directly: the end offsets of topics (a lower bound of where its next
// records will land) and, after a crash or a failed send, the records written since such an offset,
// to learn which rows already reached Kafka. A plain Fetch by offset, no consumer group.
import { Consumer, FetchIsolationLevels, type RecordsBatch } from '@platformatic/kafka'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'

/** Bit 5 of a record batch's attributes: a transaction marker, not data. */
const CONTROL_BATCH = 0x20
const FETCH_MAX_BYTES = 4 * 1024 * 1024

export type EndOffsets = Map<string, bigint[]>

export class KafkaReader {
  readonly #wire: Consumer<Buffer, Buffer, Buffer, Buffer>
  readonly #timeoutMs: number

  constructor(client: ClientOptions, clientId: string, timeoutMs: number) {
    this.#wire = new Consumer({
      ...wireConnectionOptions(client, clientId),
      // Fetch and ListOffsets need no group; the id is never joined.
      groupId: `${clientId}-reader`,
      retries: 2,
    })
    this.#timeoutMs = timeoutMs
  }

  /** Each partition's end offset (the next offset to be written), per topic. */
  async endOffsets(topics: readonly string[]): Promise<EndOffsets> {
    if (topics.length === 0) return new Map()
    return this.#bounded(`reading the end offsets of ${topics.join(', ')}`, () =>
      this.#wire.listOffsets({ topics: [...topics], isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED }),
    )
  }

  /**
   * Calls `onHeader` with the value of header `name` of every record of each partition from the
   * given offset up to its end offset now. Returns how many records were read.
   */
  async scan(from: EndOffsets, name: string, onHeader: (value: string) => void): Promise<number> {
    const topics = [...from.keys()]
    const ends = await this.endOffsets(topics)
    const metadata = await this.#bounded('reading topic metadata', () => this.#wire.metadata({ topics }))
    let read = 0
    for (const [topic, starts] of from) {
      const info = metadata.topics.get(topic)
      const end = ends.get(topic)
      if (!info || !end) continue
      for (let partition = 0; partition < end.length; partition++) {
        // A partition added since the offsets were taken is read from its start.
        let offset = starts[partition] ?? 0n
        const stop = end[partition]!
        while (offset < stop) {
          const leader = info.partitions[partition]?.leader ?? -1
          const batches = await this.#fetch(info.id, leader, partition, offset, topic)
          if (batches === undefined) break
          for (const batch of batches) {
            const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
            if (last + 1n > offset) offset = last + 1n
            if (batch.attributes & CONTROL_BATCH) continue
            for (const record of batch.records) {
              if (batch.firstOffset + BigInt(record.offsetDelta) >= stop) continue
              read++
              for (const [key, value] of record.headers) {
                if (key?.toString() === name && value) onHeader(value.toString())
              }
            }
          }
        }
      }
    }
    return read
  }

  async close(): Promise<void> {
    await this.#wire.close(true).catch(() => undefined)
  }

  /** One partition's batches from `offset`; undefined when the partition has nothing from there. */
  async #fetch(
    topicId: string,
    leader: number,
    partition: number,
    offset: bigint,
    topic: string,
  ): Promise<RecordsBatch[] | undefined> {
    const response = await this.#bounded(`reading ${topic}[${partition}] from offset ${offset}`, () =>
      this.#wire.fetch({
        node: leader,
        topics: [
          {
            topicId,
            partitions: [
              {
                partition,
                fetchOffset: offset,
                partitionMaxBytes: FETCH_MAX_BYTES,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              },
            ],
          },
        ],
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: FETCH_MAX_BYTES,
        isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      }),
    )
    const answer = response.responses.flatMap((t) => t.partitions).find((p) => p.partitionIndex === partition)
    if (!answer) return undefined
    if (answer.errorCode !== 0) {
      throw new KafkitError(
        ErrorCodes.BROKER_UNAVAILABLE,
        `reading ${topic}[${partition}] from offset ${offset}: Kafka error code ${answer.errorCode}`,
        { retryable: true, details: { topic, partition, errorCode: answer.errorCode } },
      )
    }
    const batches = answer.records ?? []
    return batches.length === 0 ? undefined : batches
  }

  async #bounded<T>(what: string, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `${what}: no answer within ${this.#timeoutMs} ms`, {
              retryable: true,
            }),
          ),
        this.#timeoutMs,
      )
    })
    try {
      return await Promise.race([operation(), timeout])
    } catch (error) {
      if (KafkitError.is(error)) throw error
      throw new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `${what}: ${errorMessage(error)}`, {
        retryable: true,
        cause: error,
      })
    } finally {
      clearTimeout(timer)
    }
  }
}

const REFRESH_MS = 10_000

/**
 * Lower bounds of where the relay's next records land, per topic and partition: end offsets asked
 * of Kafka, then moved past each record Kafka acknowledges (offsets only grow). Refreshed every
 * 10 s, so that a recovery scan starting from them stays short when other producers write too.
 */
export class OffsetsCache {
  readonly #reader: KafkaReader
  #offsets: EndOffsets = new Map()
  #refreshedAt = 0

  constructor(reader: KafkaReader) {
    this.#reader = reader
  }

  /** A copy (an intent keeps it while the cache moves on). */
  snapshot(): EndOffsets {
    return new Map([...this.#offsets].map(([topic, list]) => [topic, [...list]]))
  }

  /** Refreshes known topics when due, and asks for those not known yet. Returns whether anything changed. */
  async ensure(topics: Iterable<string>): Promise<boolean> {
    const unknown = [...new Set(topics)].filter((t) => !this.#offsets.has(t))
    const due = Date.now() - this.#refreshedAt > REFRESH_MS ? [...this.#offsets.keys()] : []
    const asked = [...unknown, ...due]
    if (asked.length === 0) return false
    const ends = await this.#reader.endOffsets(asked)
    for (const [topic, list] of ends) this.#offsets.set(topic, list)
    if (due.length > 0) this.#refreshedAt = Date.now()
    return unknown.length > 0
  }

  advance(acknowledged: readonly { topic: string; partition: number; offset: bigint }[]): void {
    for (const { topic, partition, offset } of acknowledged) {
      const list = this.#offsets.get(topic)
      const known = list?.[partition]
      if (list && offset >= 0n && (known === undefined || known <= offset)) list[partition] = offset + 1n
    }
  }
}
