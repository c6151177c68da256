// Reads a DLQ topic as it stands now (up to each partition's current end), with filters.
import { randomUUID } from 'node:crypto'
import { Admin, Consumer, MessagesStreamModes } from '@platformatic/kafka'
import { matchesPattern } from '../catalog/pattern.ts'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { errorMessage } from '../errors.ts'
import { timeoutOf, type TimeoutOption } from '../util/timeout.ts'
import { readDeadLetterRecord, type DeadLetterRecord, type OriginalRecord } from './format.ts'
import { endReadOnClientError } from '../cluster/group-stream.ts'

export interface DeadLetterEntry {
  topic: string
  partition: number
  offset: bigint
  timestamp: Date
  key: Buffer | undefined
  /** The failure record's headers as text (the original's and the `kafkit-dlq-*` ones; the last of duplicates wins). */
  headers: Map<string, string>
  /** The failure, in either format. Undefined when this is not a kafkit failure record (then `problem` says why). */
  record: DeadLetterRecord | undefined
  /** The original record: key, value and headers as bytes (exact for format 2, see `original.exact`). */
  original?: OriginalRecord
  problem?: string
}

export interface DeadLetterFilter {
  /** Failures of this consumer group only. */
  group?: string
  /** An event type or pattern ("ride.*"). */
  type?: string
  eventId?: string
  errorCode?: string
  /** Failures last seen at or after / before these times. */
  since?: Date
  until?: Date
  partition?: number
  fromOffset?: bigint
  toOffset?: bigint
  /** At most this many entries (after filtering). */
  limit?: number
}

export function matchesFilter(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  const r = entry.record
  if (filter.partition !== undefined && entry.partition !== filter.partition) return false
  if (filter.fromOffset !== undefined && entry.offset < filter.fromOffset) return false
  if (filter.toOffset !== undefined && entry.offset > filter.toOffset) return false
  const wantsRecordFields =
    filter.group ?? filter.type ?? filter.eventId ?? filter.errorCode ?? filter.since ?? filter.until
  if (wantsRecordFields === undefined) return true
  if (!r) return false
  if (filter.group !== undefined && r.consumer_group !== filter.group) return false
  if (filter.type !== undefined && (r.event_type === undefined || !matchesPattern(filter.type, r.event_type)))
    return false
  if (filter.eventId !== undefined && r.event_id !== filter.eventId) return false
  if (filter.errorCode !== undefined && r.error_code !== filter.errorCode) return false
  const last = Date.parse(r.last_failure)
  if (filter.since !== undefined && last < filter.since.getTime()) return false
  if (filter.until !== undefined && last > filter.until.getTime()) return false
  return true
}

/** End offsets (exclusive) of every partition that holds records. */
async function endOffsets(client: ClientOptions, topic: string): Promise<Map<number, bigint>> {
  const admin = new Admin(wireConnectionOptions(client, 'kafkit-dlq-reader'))
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
    const [latest, earliest] = await Promise.all([request(-1n), request(-2n)])
    const start = new Map(earliest[0]?.partitions.map((p) => [p.partitionIndex, p.offset]) ?? [])
    const ends = new Map<number, bigint>()
    for (const p of latest[0]?.partitions ?? [])
      if (p.offset > (start.get(p.partitionIndex) ?? 0n)) ends.set(p.partitionIndex, p.offset)
    return ends
  } finally {
    await admin.close()
  }
}

export async function readDeadLetters(
  client: ClientOptions,
  topic: string,
  filter: DeadLetterFilter = {},
  input: TimeoutOption = {},
): Promise<DeadLetterEntry[]> {
  const timeoutMs = timeoutOf(input, 60_000, 'readDeadLetters')
  const ends = await endOffsets(client, topic)
  if (ends.size === 0) return []
  // A throw-away group that never commits: reading leaves no trace on the DLQ's consumers.
  const consumer = new Consumer({
    ...wireConnectionOptions(client, 'kafkit-dlq-reader'),
    groupId: `kafkit-dlq-reader-${randomUUID()}`,
  })
  const entries: DeadLetterEntry[] = []
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.EARLIEST,
    maxWaitTime: 200,
  })
  endReadOnClientError(consumer, stream)
  // Ends the loop below; a close that fails is retried in `finally`, never left unhandled.
  const timer = setTimeout(() => void stream.close().catch(() => undefined), timeoutMs)
  // Everything is read once the fetch position passed every end and no fetched record waits: a DLQ
  // written in transactions (a transactional consumer's) ends with a commit marker, an offset no
  // record has, so the record at end - 1 may never come. (The position moves when a response is
  // parsed, before its records are read: the buffer must be empty too.)
  const drained = () =>
    stream.readableLength === 0 &&
    [...ends].every(([partition, end]) => (stream.offsetsToFetch.get(`${topic}:${partition}`) ?? -1n) >= end)
  // 'fetch' is emitted when the next request's answer arrives, before its records are parsed.
  stream.on('fetch', () => {
    if (drained()) void stream.close().catch(() => undefined)
  })
  try {
    for await (const message of stream) {
      const end = ends.get(message.partition)
      if (end === undefined || message.offset >= end) continue
      const entry = toEntry(topic, message)
      if (matchesFilter(entry, filter)) entries.push(entry)
      if (message.offset === end - 1n) ends.delete(message.partition)
      if (ends.size === 0 || drained() || (filter.limit !== undefined && entries.length >= filter.limit)) break
    }
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => undefined)
    await consumer.close(true).catch(() => undefined)
  }
  return entries.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))
}

function toEntry(
  topic: string,
  message: {
    partition: number
    offset: bigint
    timestamp: bigint
    key: Buffer | undefined
    value: Buffer | undefined
    headerEntries: [Buffer, Buffer | undefined][]
  },
): DeadLetterEntry {
  const headers = new Map<string, string>()
  for (const [k, v] of message.headerEntries) headers.set(k.toString(), v?.toString() ?? '')
  const base = {
    topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)),
    key: message.key ?? undefined,
    headers,
  }
  try {
    const { record, original } = readDeadLetterRecord({
      key: message.key,
      value: message.value,
      headers: message.headerEntries,
    })
    return { ...base, record, original }
  } catch (error) {
    return { ...base, record: undefined, problem: errorMessage(error) }
  }
}
