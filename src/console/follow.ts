// Records of topics read without a consumer group: following a topic as records arrive (the Tail
// page's stream), and collecting one correlation id's events across topics (its path). A topic
// deleted during the path's walk is left out of it.
import type { Admin } from '@platformatic/kafka'
import { metadataOfExisting, offsetsAt } from '../admin/cluster.ts'
import { matchesRecord, showRecord, type RecordFilter, type ShownRecord } from '../cli/records.ts'
import { CodecRegistry } from '../envelope/registry.ts'
import { errorMessage } from '../errors.ts'
import type { RegistryDecoder } from '../registry/decoder.ts'
import { backoffDelay, type Backoff } from '../util/backoff.ts'
import type { PartitionChunk, PartitionReader } from './partition-reader.ts'

const POLL_MS = 300

/**
 * Calls `onRecord` for every matching record from `start` on, until `signal` aborts. A read that
 * fails is tried again (`onRetry` is told why), with a growing pause; only a topic that is gone
 * ends the follow, with its error.
 */
export async function followTopic(
  reader: PartitionReader,
  topic: string,
  start: Map<number, bigint>,
  filter: RecordFilter,
  onRecord: (record: ShownRecord) => void,
  signal: AbortSignal,
  framed?: RegistryDecoder,
  onRetry: (error: unknown) => void = () => undefined,
): Promise<void> {
  const registry = new CodecRegistry()
  const next = new Map(start)
  let failures = 0
  while (!signal.aborted) {
    let got = 0
    try {
      for (const [partition, offset] of next) {
        if (signal.aborted) return
        const chunk = await reader.read(topic, partition, offset, 256 * 1024)
        next.set(partition, chunk.next)
        for (const message of chunk.messages) {
          got++
          const record = await showRecord(registry, message, framed)
          if (matchesRecord(record, filter)) onRecord(record)
        }
      }
      failures = 0
    } catch (error) {
      if (GONE.test(errorMessage(error))) throw error
      onRetry(error)
      failures++
    }
    if (got === 0 || failures > 0) await pause(failures === 0 ? POLL_MS : backoffDelay(RETRY, failures), signal)
  }
}

/** What PartitionReader#read and the wire client say of a topic or partition that does not exist. */
const GONE = /has no partition|^Unknown topic/
const RETRY: Backoff = { initialBackoffMs: 600, maxBackoffMs: 5_000, multiplier: 2 }

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

export interface PathOptions {
  topics: readonly string[]
  correlationId: string
  /** From this time on (ms). */
  since: number
  /** Stop reading after this long; the result says it is partial. */
  budgetMs?: number
  /** Decodes registry-encoded records. */
  framed?: RegistryDecoder | undefined
}

/** Every event with the correlation id, in the given topics since a time, oldest first. */
export async function correlationPath(
  admin: Admin,
  reader: PartitionReader,
  options: PathOptions,
): Promise<{ records: ShownRecord[]; partial: boolean }> {
  const metadata = (await metadataOfExisting(admin, options.topics)).topics
  const topics = options.topics.filter((t) => metadata.has(t))
  const [from, ends] = await Promise.all([
    offsetsAt(admin, metadata, topics, BigInt(options.since)),
    offsetsAt(admin, metadata, topics, -1n),
  ])
  const registry = new CodecRegistry()
  const until = performance.now() + (options.budgetMs ?? 10_000)
  const records: ShownRecord[] = []
  let partial = false
  await Promise.all(
    [...ends].map(async ([key, end]) => {
      const at = key.lastIndexOf('/')
      const topic = key.slice(0, at)
      const partition = Number(key.slice(at + 1))
      let offset = from.get(key) ?? -1n
      if (offset < 0n) return // nothing since that time
      while (offset < end) {
        if (performance.now() > until) {
          partial = true
          return
        }
        const chunk = await readUnlessDeleted(admin, reader, topic, partition, offset)
        if (chunk === undefined) return
        for (const message of chunk.messages) {
          const record = await showRecord(registry, message, options.framed)
          if (matchesRecord(record, { correlationId: options.correlationId })) records.push(record)
        }
        if (chunk.next <= offset) return
        offset = chunk.next
      }
    }),
  )
  records.sort(
    (a, b) =>
      a.timestamp.getTime() - b.timestamp.getTime() ||
      (a.envelope?.timestamp ?? '').localeCompare(b.envelope?.timestamp ?? ''),
  )
  return { records, partial }
}

/** A chunk of the partition, or undefined when its topic was deleted since the walk began. */
async function readUnlessDeleted(
  admin: Admin,
  reader: PartitionReader,
  topic: string,
  partition: number,
  offset: bigint,
): Promise<PartitionChunk | undefined> {
  try {
    return await reader.read(topic, partition, offset)
  } catch (error) {
    if ((await admin.listTopics({ includeInternals: true })).includes(topic)) throw error
    return undefined
  }
}
