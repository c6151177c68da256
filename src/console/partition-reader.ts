// Reads records at given offsets without joining a consumer group: Fetch requests straight to each
// partition's leader. The console reads a DLQ record, scans a DLQ or follows a correlation id
// across topics this way, in milliseconds, and leaves no group behind on the cluster.
import { randomUUID } from 'node:crypto'
import { Consumer } from '@platformatic/kafka'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import type { WireMessage } from '../cli/records.ts'

export interface RawMessage extends WireMessage {
  key: Buffer | null
  value: Buffer | null
  headers: Map<Buffer | null, Buffer | null>
  /** The headers in order, duplicates kept. */
  headerEntries: [Buffer | null, Buffer | null][]
}

export interface PartitionChunk {
  messages: RawMessage[]
  /** The offset to fetch next. */
  next: bigint
  /** The partition's end when fetched. */
  highWatermark: bigint
  logStart: bigint
}

// Transactional control records (commit and abort markers) carry no data.
const CONTROL_BATCH = 0x20

export class PartitionReader {
  readonly #consumer: Consumer

  constructor(client: ClientOptions, clientId = 'kafkit-console') {
    // The group id is required by the wire client's options; this consumer never joins it.
    this.#consumer = new Consumer({
      ...wireConnectionOptions(client, clientId),
      groupId: `kafkit-console-${randomUUID()}`,
      retries: 1,
    })
  }

  /** Up to `maxBytes` of records from `offset` on (one Fetch). */
  async read(topic: string, partition: number, offset: bigint, maxBytes = 1024 * 1024): Promise<PartitionChunk> {
    const metadata = await this.#consumer.metadata({ topics: [topic] })
    const info = metadata.topics.get(topic)
    const leader = info?.partitions[partition]?.leader
    if (!info || leader === undefined) throw new Error(`${topic} has no partition ${partition}`)
    const response = await this.#consumer.fetch({
      node: leader,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes,
      topics: [
        {
          topicId: info.id,
          partitions: [
            {
              partition,
              fetchOffset: offset,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              partitionMaxBytes: maxBytes,
            },
          ],
        },
      ],
    })
    const result = response.responses[0]?.partitions[0]
    if (!result) return { messages: [], next: offset, highWatermark: offset, logStart: offset }
    if (result.errorCode === 1) {
      // OFFSET_OUT_OF_RANGE: retention removed it; start at the first record still held.
      if (offset < result.logStartOffset) return this.read(topic, partition, result.logStartOffset, maxBytes)
      return { messages: [], next: offset, highWatermark: result.highWatermark, logStart: result.logStartOffset }
    }
    if (result.errorCode !== 0)
      throw new Error(`fetching ${topic}/${partition} failed with Kafka error ${result.errorCode}`)
    const messages: RawMessage[] = []
    let next = offset
    for (const batch of result.records ?? []) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
      if (last + 1n > next) next = last + 1n
      if (batch.attributes & CONTROL_BATCH) continue
      for (const record of batch.records) {
        const at = batch.firstOffset + BigInt(record.offsetDelta)
        if (at < offset) continue
        messages.push({
          topic,
          partition,
          offset: at,
          timestamp: batch.firstTimestamp + record.timestampDelta,
          key: record.key,
          value: record.value,
          headers: new Map(record.headers),
          headerEntries: record.headers,
        })
      }
    }
    return { messages, next, highWatermark: result.highWatermark, logStart: result.logStartOffset }
  }

  /** The record at exactly this offset, or undefined (deleted by retention, or a control record). */
  async at(topic: string, partition: number, offset: bigint): Promise<RawMessage | undefined> {
    const chunk = await this.read(topic, partition, offset, 2 * 1024 * 1024)
    return chunk.messages.find((m) => m.offset === offset)
  }

  close(): Promise<void> {
    return this.#consumer.close(true)
  }
}
