// Evidence that an event version is still published: records on its topic carrying its type and
// version headers, written at or after a given time (the end of its deprecation window). Reads the
// tail of each partition only, bounded in records and time.
import { randomUUID } from 'node:crypto'
import { Admin, Consumer, MessagesStreamModes, type Message } from '@platformatic/kafka'
import type { AnyEvent } from '../catalog/event.ts'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { Headers } from '../envelope/headers.ts'
import type { Duration } from '../util/duration.ts'
import { timeoutOf } from '../util/timeout.ts'
import { endReadOnClientError } from '../cluster/group-stream.ts'

export interface PublishedEvidence {
  /** Records of the version found at or after `since`. */
  count: number
  latest: { partition: number; offset: bigint; timestamp: Date }
}

export interface ScanTarget {
  event: AnyEvent
  /** Records written before this time do not count. */
  since: Date
}

export interface ScanOptions {
  /** At most this many records per partition are read, the newest. Default 10,000. */
  maxRecordsPerPartition?: number
  /** The whole scan's bound. Default 60 s. */
  timeout?: Duration
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number
}

/** For each target found on its topic: how often and when last. */
export async function scanPublished(
  client: ClientOptions,
  targets: readonly ScanTarget[],
  options: ScanOptions = {},
): Promise<Map<AnyEvent, PublishedEvidence>> {
  const found = new Map<AnyEvent, PublishedEvidence>()
  const byTopic = Map.groupBy(targets, (t) => t.event.topic.name)
  for (const [topic, list] of byTopic) await scanTopic(client, topic, list, options, found)
  return found
}

async function scanTopic(
  client: ClientOptions,
  topic: string,
  targets: readonly ScanTarget[],
  options: ScanOptions,
  found: Map<AnyEvent, PublishedEvidence>,
): Promise<void> {
  const since = Math.min(...targets.map((t) => t.since.getTime()))
  const ranges = await tailRanges(client, topic, since, options.maxRecordsPerPartition ?? 10_000)
  if (ranges.size === 0) return
  const consumer = new Consumer({
    ...wireConnectionOptions(client, 'kafkit-schema-check'),
    // A throw-away group that never commits: the scan leaves no trace.
    groupId: `kafkit-schema-check-${randomUUID()}`,
  })
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.MANUAL,
    offsets: [...ranges].map(([partition, range]) => ({ topic, partition, offset: range.from })),
    maxWaitTime: 200,
  })
  endReadOnClientError(consumer, stream)
  const timer = setTimeout(
    () => void stream.close().catch(() => undefined),
    timeoutOf(options, 60_000, 'scanPublished'),
  )
  try {
    for await (const message of stream as AsyncIterable<Message>) {
      const range = ranges.get(message.partition)
      if (!range || message.offset >= range.to) continue
      note(message, targets, found)
      if (message.offset === range.to - 1n) ranges.delete(message.partition)
      if (ranges.size === 0) break
    }
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => undefined)
    await consumer.close(true).catch(() => undefined)
  }
}

function note(message: Message, targets: readonly ScanTarget[], found: Map<AnyEvent, PublishedEvidence>): void {
  let type: string | undefined
  let version: string | undefined
  for (const [k, v] of message.headers) {
    const name = k.toString()
    if (name === Headers.eventType) type = v.toString()
    else if (name === Headers.eventVersion) version = v.toString()
  }
  const timestamp = new Date(Number(message.timestamp))
  for (const target of targets) {
    if (target.event.type !== type || target.event.version !== version) continue
    if (timestamp.getTime() < target.since.getTime()) continue
    const known = found.get(target.event)
    const latest = { partition: message.partition, offset: message.offset, timestamp }
    if (!known) found.set(target.event, { count: 1, latest })
    else {
      known.count++
      if (timestamp >= known.latest.timestamp) known.latest = latest
    }
  }
}

/** Per partition with records at or after `since`: from there (at most `max` back from the end) to the end. */
async function tailRanges(
  client: ClientOptions,
  topic: string,
  since: number,
  max: number,
): Promise<Map<number, { from: bigint; to: bigint }>> {
  const admin = new Admin(wireConnectionOptions(client, 'kafkit-schema-check'))
  try {
    const metadata = await admin.metadata({ topics: [topic] })
    const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0
    const request = (timestamp: bigint) =>
      admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp })),
          },
        ],
      })
    const [latest, fromTime] = await Promise.all([request(-1n), request(BigInt(since))])
    const starts = new Map(fromTime[0]?.partitions.map((p) => [p.partitionIndex, p.offset]) ?? [])
    const ranges = new Map<number, { from: bigint; to: bigint }>()
    for (const p of latest[0]?.partitions ?? []) {
      const start = starts.get(p.partitionIndex)
      // -1: no record at or after `since` in this partition.
      if (start === undefined || start < 0n || start >= p.offset) continue
      const floor = p.offset - BigInt(max)
      ranges.set(p.partitionIndex, { from: start > floor ? start : floor, to: p.offset })
    }
    return ranges
  } finally {
    await admin.close()
  }
}
