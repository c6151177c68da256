// One record on its way to the broker. The object is also the message handed to the wire client
// (topic, key, value, headers, partition, timestamp), so sending allocates nothing per record.
import type { AnyEvent } from '../catalog/event.ts'
import { DEFAULT_PARTITIONER, type TopicPartitioner } from '../catalog/partitioners.ts'
import type { KafkitError } from '../errors.ts'
import type { SendTrace } from '../observability/producer.ts'
import type { PublishResult, RecordMetadata } from './types.ts'

/**
 * Receives the outcome of its records: a publish promise, a batch, the async path. One sink object
 * serves many records; each record carries its own `handle` (resolvers, batch state, callback).
 */
export interface Sink {
  settle(record: OutgoingRecord, error: KafkitError | null, result: PublishResult | RecordMetadata | undefined): void
}

/** Bytes a record adds to a batch besides key, value and headers (varints, attributes, deltas). */
const RECORD_OVERHEAD = 24
const HEADER_OVERHEAD = 2
/** The record batch header (61 bytes), rounded up: a batch of one record must fit too. */
export const BATCH_OVERHEAD = 100

/**
 * A record's headers as the wire client takes them: an object (kafkit's own records), or a Map whose
 * keys are distinct Buffer objects (raw records, which may repeat a name or have a null value).
 */
export type RecordHeaders = Record<string, string | Buffer> | Map<Buffer, Buffer | null>

export class OutgoingRecord {
  // The wire client's message fields.
  readonly topic: string
  readonly key: Buffer | undefined
  readonly value: Buffer | null
  readonly headers: RecordHeaders
  /** Chosen at dispatch: the explicit partition, else the partitioner's for the key, else sticky. */
  partition: number | undefined = undefined
  readonly timestamp: bigint | undefined

  readonly explicitPartition: number | undefined
  /** The topic's partitioner (from the catalog); murmur2 for topics the catalog does not define. */
  partitioner: TopicPartitioner = DEFAULT_PARTITIONER
  /** Estimated uncompressed size in a record batch. */
  readonly bytes: number
  /** Epoch ms after which the record fails with KAFKIT_PUBLISH_TIMEOUT. */
  readonly deadline: number
  readonly deadlineMs: number

  readonly sink: Sink
  /** The sink's per-record state (see Sink). */
  handle: unknown = undefined
  /** Position in a batch sink's results. */
  slot = 0
  /** The flush epoch the record was accepted in (see Producer.flush). */
  epoch = 0
  settled = false
  /** Sent in a request of its own (after the broker refused its batch as too large). */
  solo = false

  // What kafkit knows about the event (undefined on the raw path), for results, logs and the DLQ.
  event: AnyEvent | undefined = undefined
  eventId: string | undefined = undefined
  correlationId: string | undefined = undefined
  keyText: string | undefined = undefined
  /** Set on a dead-letter record: the record it stands in for, and why that one failed. */
  replaces: OutgoingRecord | undefined = undefined
  replacedError: KafkitError | undefined = undefined
  // Telemetry: the span this record belongs to, and when it was accepted (performance.now()).
  trace: SendTrace | undefined = undefined
  acceptedAt = 0

  constructor(
    topic: string,
    key: Buffer | undefined,
    value: Buffer | null,
    headers: RecordHeaders,
    explicitPartition: number | undefined,
    timestamp: bigint | undefined,
    deadlineMs: number,
    sink: Sink,
    /** The size when the caller has estimated it already. */
    bytes = estimateBytes(key, value, headers),
  ) {
    this.topic = topic
    this.key = key
    this.value = value
    this.headers = headers
    this.explicitPartition = explicitPartition
    this.timestamp = timestamp
    this.deadlineMs = deadlineMs
    this.deadline = Date.now() + deadlineMs
    this.sink = sink
    this.bytes = bytes
  }

  get eventType(): string | undefined {
    return this.event?.type
  }
}

/**
 * Header strings count by their length, not their UTF-8 size: exact for the ASCII headers kafkit
 * writes, and cheaper per record. A record that only looks small enough is refused by the broker,
 * which reports it as too large all the same.
 */
export function estimateBytes(key: Buffer | undefined, value: Buffer | null, headers: RecordHeaders): number {
  let bytes = RECORD_OVERHEAD + (value?.length ?? 0) + (key?.length ?? 0)
  if (headers instanceof Map) {
    for (const [name, headerValue] of headers) bytes += HEADER_OVERHEAD + name.length + (headerValue?.length ?? 0)
  } else for (const name in headers) bytes += HEADER_OVERHEAD + name.length + headers[name]!.length
  return bytes
}

/**
 * The widest spread of timestamps one request may carry. The wire client writes each record's
 * timestamp as a delta from its batch's first with a 64-bit zigzag varint that @platformatic/dynamic-buffer
 * 0.3.1 gets wrong from 2^31 ms (about 24.8 days) on: the broker would store another time, or
 * refuse the batch. Keeping every pair of records in a request closer than that keeps each delta
 * small (see docs/internals.md for the upstream fix that would lift this).
 */
export const MAX_TIMESTAMP_SPREAD_MS = 2 ** 31 - 1

/**
 * The timestamps of a request being built: a record joins only if the spread stays below the limit.
 * Compared as numbers (exact: epoch milliseconds are far below 2^53), since BigInt arithmetic
 * allocates for every record taken.
 */
export class TimestampSpan {
  #min = Infinity
  #max = -Infinity

  /** Adds the record's timestamp (now, when unset, as the wire client does) if it fits; false if not. */
  admit(timestamp: bigint | undefined): boolean {
    const ts = timestamp === undefined ? Date.now() : Number(timestamp)
    const min = ts < this.#min ? ts : this.#min
    const max = ts > this.#max ? ts : this.#max
    if (max - min > MAX_TIMESTAMP_SPREAD_MS) return false
    this.#min = min
    this.#max = max
    return true
  }
}
