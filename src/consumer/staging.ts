// What a transactional consumer's handlers publish, held until the transaction that commits the
// offset of the record that produced it. Nothing staged is sent before that: an output is visible
// downstream (to read_committed readers) exactly when its record's offset is committed.
//
// Accounting is per record: a commit of offset O on a partition carries the outputs of that
// partition's records below O, and nothing else. Records finished out of order (behind one still
// running, key-ordered concurrency) keep their outputs for a later transaction; there is no barrier.
// An attempt's outputs are kept only if the attempt succeeded (a retried attempt publishes anew), and
// only while the partition is owned by the ownership that fetched the record (a job still running
// after its partition was revoked stages nothing: the next owner handles the record again).
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { TopicPartitioner } from '../catalog/partitioners.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import { recordTooLargeError } from '../producer/failures.ts'
import { prepareEvent, type Prepared, type PrepareSettings } from '../producer/prepare.ts'
import { BATCH_OVERHEAD, estimateBytes } from '../producer/record.ts'
import { tpKey, type CommitOffset, type FetchedRecord, type TopicPartition } from './member.ts'
import type { HandlerPublisher, OutgoingRecord, PublishInHandlerOptions, RecordSender, StagedPublish } from './types.ts'

/** A record to write in a transaction: bytes, and how its key picks a partition. */
export interface StagedRecord {
  topic: string
  key: Buffer | undefined
  value: Buffer | null
  headers: [Buffer, Buffer][]
  partition: number | undefined
  /** Undefined: the catalog's default (murmur2, the Java client's). */
  partitioner: TopicPartitioner | undefined
  timestamp: bigint | undefined
}

interface Entry {
  offset: bigint
  /** The ownership of the partition it was staged under. */
  epoch: number
  records: StagedRecord[]
  bytes: number
}

/** One partition's staged outputs, and which ownership of it may add more. */
interface Bucket {
  epoch: number
  entries: Entry[]
}

export interface StagingSettings {
  prepare: PrepareSettings
  maxRecordBytes: number
  logger: Logger
}

/** The outputs staged for one commit, removed only once that commit succeeded. */
export interface Collected {
  records: StagedRecord[]
  release(): void
}

export class Staging {
  readonly #settings: StagingSettings
  readonly #buckets = new Map<string, Bucket>()
  readonly #epochOf = new WeakMap<FetchedRecord, number>()
  #bytes = 0

  constructor(settings: StagingSettings) {
    this.#settings = settings
  }

  #bucket(topic: string, partition: number): Bucket {
    const key = tpKey(topic, partition)
    let bucket = this.#buckets.get(key)
    if (!bucket) this.#buckets.set(key, (bucket = { epoch: 0, entries: [] }))
    return bucket
  }

  /** A record was fetched: it belongs to the partition's present ownership. */
  fetched(record: FetchedRecord): void {
    this.#epochOf.set(record, this.#bucket(record.topic, record.partition).epoch)
  }

  /** The partitions changed hands: records fetched before may stage nothing more. */
  reassigned(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#bucket(tp.topic, tp.partition).epoch++
  }

  /**
   * Drops what earlier ownerships of these partitions staged and did not commit (run after the
   * commit that gave them up): their records are handled again by whoever owns them next.
   */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const bucket = this.#buckets.get(tpKey(tp.topic, tp.partition))
      if (bucket) bucket.entries = this.#keep(bucket.entries, (e) => e.epoch === bucket.epoch)
    }
  }

  #keep(entries: Entry[], keep: (entry: Entry) => boolean): Entry[] {
    return entries.filter((entry) => {
      if (keep(entry)) return true
      this.#bytes -= entry.bytes
      return false
    })
  }

  /** Bytes staged and not yet committed (estimated as the producer does). */
  get bytes(): number {
    return this.#bytes
  }

  /** Outputs of the records below each offset: what a commit of those offsets must write. */
  collect(offsets: readonly CommitOffset[]): Collected {
    const taken: { bucket: Bucket; entries: Set<Entry> }[] = []
    const records: StagedRecord[] = []
    for (const { topic, partition, offset } of offsets) {
      const bucket = this.#buckets.get(tpKey(topic, partition))
      if (!bucket || bucket.entries.length === 0) continue
      const entries = new Set<Entry>()
      // In staging order: outputs of one key follow the order its records were handled in.
      for (const entry of bucket.entries) {
        if (entry.offset >= offset) continue
        entries.add(entry)
        records.push(...entry.records)
      }
      if (entries.size > 0) taken.push({ bucket, entries })
    }
    return {
      records,
      release: () => {
        for (const { bucket, entries } of taken) bucket.entries = this.#keep(bucket.entries, (e) => !entries.has(e))
      },
    }
  }

  /** The largest record staged; bigger ones fail when staged, never in the transaction. */
  get maxRecordBytes(): number {
    return this.#settings.maxRecordBytes
  }

  /** Records staged and not yet committed (for tests and metrics). */
  get size(): number {
    let n = 0
    for (const bucket of this.#buckets.values()) for (const entry of bucket.entries) n += entry.records.length
    return n
  }

  /** Adds a record's outputs, unless its partition changed hands since it was fetched. */
  add(record: FetchedRecord, records: StagedRecord[]): boolean {
    if (records.length === 0) return true
    const bucket = this.#bucket(record.topic, record.partition)
    if (this.#epochOf.get(record) !== bucket.epoch) return false
    let bytes = 0
    for (const r of records) bytes += stagedBytes(r)
    bucket.entries.push({ offset: record.offset, epoch: bucket.epoch, records, bytes })
    this.#bytes += bytes
    return true
  }

  /** The publisher of one handler attempt on `record`. */
  attempt(record: FetchedRecord): AttemptStage {
    return new AttemptStage(this, record, this.#settings)
  }

  /** Writes retry-tier and DLQ records of `record` into its transaction. */
  sender(record: FetchedRecord): RecordSender {
    const { maxRecordBytes } = this.#settings
    return {
      maxRecordBytes,
      sendRecords: (outgoing: OutgoingRecord[]) => {
        const records = outgoing.map(toStaged)
        for (const r of records) {
          const bytes = estimateBytes(r.key, r.value, new Map(r.headers))
          if (bytes + BATCH_OVERHEAD > maxRecordBytes)
            return Promise.reject(recordTooLargeError({ topic: r.topic }, bytes, maxRecordBytes))
        }
        if (!this.add(record, records)) return Promise.reject(revokedError())
        return Promise.resolve(records.length)
      },
    }
  }
}

/**
 * `ctx.publish` for one handler attempt: events are prepared (validated, enveloped, encoded) at
 * once, held here, and staged for the record's transaction only if the attempt succeeds.
 */
export class AttemptStage implements HandlerPublisher {
  readonly #staging: Staging
  readonly #record: FetchedRecord
  readonly #settings: StagingSettings
  readonly #records: StagedRecord[] = []
  #pending = 0
  #open = true

  constructor(staging: Staging, record: FetchedRecord, settings: StagingSettings) {
    this.#staging = staging
    this.#record = record
    this.#settings = settings
  }

  publish<E extends AnyEvent>(
    event: E,
    payload: InputOf<E>,
    options?: PublishInHandlerOptions,
  ): Promise<StagedPublish> {
    if (!this.#open) return Promise.reject(attemptOverError())
    const prepared = prepareEvent(this.#settings.prepare, event, payload, options)
    if (!(prepared instanceof Promise)) return this.#staged(event, prepared)
    this.#pending++
    return prepared.then((p) => {
      this.#pending--
      return this.#staged(event, p)
    })
  }

  #staged(event: AnyEvent, prepared: Prepared): Promise<StagedPublish> {
    if (!prepared.ok) return Promise.reject(prepared.error)
    if (!this.#open) return Promise.reject(attemptOverError())
    this.#records.push({
      topic: prepared.topic,
      key: prepared.key,
      value: prepared.value,
      headers: headerEntries(prepared.headers),
      partition: undefined,
      partitioner: event.topic.partitioner,
      timestamp: prepared.timestamp,
    })
    return Promise.resolve({
      status: 'staged',
      topic: prepared.topic,
      eventId: prepared.eventId,
      key: prepared.keyText,
      staged: true,
    })
  }

  /** The attempt ended: its outputs are staged if it succeeded, dropped if it failed. */
  settled(error: unknown): void {
    if (!this.#open) return
    this.#open = false
    if (error !== undefined) return
    if (this.#pending > 0)
      this.#settings.logger.error(
        { topic: this.#record.topic, partition: this.#record.partition, offset: String(this.#record.offset) },
        'a handler returned before its ctx.publish settled: in a transactional consumer that event is not written (await ctx.publish)',
      )
    this.#staging.add(this.#record, this.#records)
  }
}

/** A record's size as the producer estimates it (what a request holds). */
export function stagedBytes(record: StagedRecord): number {
  let bytes = BATCH_RECORD_OVERHEAD + (record.key?.length ?? 0) + (record.value?.length ?? 0)
  for (const [name, value] of record.headers) bytes += BATCH_RECORD_OVERHEAD + name.length + value.length
  return bytes
}

const BATCH_RECORD_OVERHEAD = 16

function toStaged(record: OutgoingRecord): StagedRecord {
  const key = typeof record.key === 'string' ? Buffer.from(record.key) : (record.key ?? undefined)
  return {
    topic: record.topic,
    key,
    value: record.value,
    headers: headerEntries(record.headers ?? {}),
    partition: record.partition,
    partitioner: undefined,
    timestamp: undefined,
  }
}

const EMPTY = Buffer.alloc(0)
const bytes = (value: Buffer | string | null | undefined): Buffer =>
  value === null || value === undefined ? EMPTY : typeof value === 'string' ? Buffer.from(value) : value

/** Headers as the wire client writes them without serializers: Buffer names and values, in order. */
function headerEntries(headers: NonNullable<OutgoingRecord['headers']>): [Buffer, Buffer][] {
  if (Array.isArray(headers))
    return (headers as readonly (readonly [Buffer | string, Buffer | string | null])[]).map(([name, value]) => [
      bytes(name),
      bytes(value),
    ])
  return Object.entries(headers as Record<string, string | Buffer>).map(([name, value]) => [bytes(name), bytes(value)])
}

function attemptOverError(): KafkitError {
  return new KafkitError(
    ErrorCodes.CONSUMER_STATE,
    'ctx.publish after the handler attempt ended (it timed out or returned): the event is not written',
  )
}

function revokedError(): KafkitError {
  return new KafkitError(
    ErrorCodes.CONSUMER_STATE,
    'the partition of this record was revoked: its next owner handles it again',
    { retryable: true },
  )
}
