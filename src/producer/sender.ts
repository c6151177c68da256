// Batching and dispatch. The wire client's send() does not batch, so kafkit does:
// - records ready to go are sent at once, several per request: those published in the same tick,
//   and those that arrived while the previous request was in flight (no added latency when idle);
// - the async path lingers up to `lingerMs` or `batchSizeBytes` before its records are ready;
// - one wire request is in flight at a time, which keeps every key's order even across the wire
//   client's retries and lets idle time fill the next batch.
// Every record settles exactly once: acknowledged, failed, or timed out at its deadline.
import type { Producer as WireProducer, ProduceResult } from '@platformatic/kafka'
import { ErrorCodes, type KafkitError } from '../errors.ts'
import { publishErrorFromWire, timeoutError, type FailedRecordFacts } from './failures.ts'
import { PartitionCounts } from './metadata.ts'
import { outcomeOf, type SendOutcome } from './outcome.ts'
import { choosePartition, StickyPartitions } from './partitioner.ts'
import { BATCH_OVERHEAD, TimestampSpan, type OutgoingRecord } from './record.ts'
import type { RecordMetadata } from './types.ts'

export type Wire = WireProducer<Buffer, Buffer, string, string | Buffer>
export type SettleHandler = (
  record: OutgoingRecord,
  error: KafkitError | null,
  metadata: RecordMetadata | undefined,
) => void

export interface SenderOptions {
  wire: Wire
  /** Whether the broker returns offsets (acks != none). */
  acknowledged: boolean
  lingerMs: number
  batchSizeBytes: number
  /** Cap of one request's records (uncompressed): the broker limits each partition's batch. */
  maxRequestBytes: number
  onSettled: SettleHandler
  /** Backoff of metadata lookups while the cluster is unreachable. */
  retryBackoffMs: number
  retryBackoffMaxMs: number
}

/** Records sent in one wire request, with the single timer that enforces their deadlines. */
interface Flight {
  records: OutgoingRecord[]
  /** False until the records are handed to the wire client: until then a timeout means "not written". */
  sent: boolean
  timer: NodeJS.Timeout | undefined
}

export class Sender {
  readonly #o: SenderOptions
  readonly #sticky = new StickyPartitions()
  readonly #counts: PartitionCounts
  #ready: OutgoingRecord[] = []
  #lingering: OutgoingRecord[] = []
  #lingerBytes = 0
  #lingerTimer: NodeJS.Timeout | undefined
  #queueTimer: NodeJS.Timeout | undefined
  #flight: Flight | undefined
  #scheduled = false
  #idleWaiters: (() => void)[] = []
  readonly #dispatch = () => this.#dispatchNow()

  constructor(options: SenderOptions) {
    this.#o = options
    this.#counts = new PartitionCounts(options.wire, options)
  }

  /** A record to send now (the sync path): it goes behind any lingering ones, keeping order. */
  enqueue(record: OutgoingRecord): void {
    if (this.#lingering.length > 0) this.#releaseLingering()
    this.#ready.push(record)
    this.#schedule()
  }

  /** Records to send now, ahead of everything waiting (a batch split after the broker refused it). */
  requeueFirst(records: OutgoingRecord[]): void {
    this.#ready.unshift(...records)
    this.#schedule()
  }

  /** A record of the async path: it waits up to lingerMs for company, or until a batch is full. */
  enqueueLingering(record: OutgoingRecord): void {
    this.#lingering.push(record)
    this.#lingerBytes += record.bytes
    if (this.#lingerBytes >= this.#o.batchSizeBytes) this.#releaseLingering()
    else this.#lingerTimer ??= setTimeout(() => this.#releaseLingering(), this.#o.lingerMs)
  }

  /** Sends whatever lingers without waiting for linger to pass (flush and close). */
  releaseLingering(): void {
    if (this.#lingering.length > 0) this.#releaseLingering()
  }

  /** Resolves once nothing is queued, lingering or in flight (including the wire client's retries). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #isIdle(): boolean {
    return this.#ready.length === 0 && this.#lingering.length === 0 && this.#flight === undefined
  }

  #releaseLingering(): void {
    clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
    for (const record of this.#lingering) this.#ready.push(record)
    this.#lingering = []
    this.#lingerBytes = 0
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(this.#dispatch)
  }

  #dispatchNow(): void {
    this.#scheduled = false
    if (this.#flight !== undefined) {
      this.#armQueueTimer()
      return
    }
    clearTimeout(this.#queueTimer)
    this.#queueTimer = undefined
    const batch = this.#takeBatch()
    if (batch.length > 0) void this.#send(batch)
    else this.#notifyIdle()
  }

  /** The next request's records, in order: expired ones fail here, never sent. */
  #takeBatch(): OutgoingRecord[] {
    const now = Date.now()
    const batch: OutgoingRecord[] = []
    let bytes = BATCH_OVERHEAD
    const span = new TimestampSpan()
    let taken = 0
    for (; taken < this.#ready.length; taken++) {
      const record = this.#ready[taken]!
      if (record.deadline <= now) {
        this.#fail(record, timeoutError(facts(record), record.deadlineMs, false))
        continue
      }
      if (batch.length > 0 && (bytes + record.bytes > this.#o.maxRequestBytes || record.solo || batch[0]!.solo)) break
      if (!span.admit(record.timestamp)) break
      batch.push(record)
      bytes += record.bytes
    }
    this.#ready = taken === this.#ready.length ? [] : this.#ready.slice(taken)
    return batch
  }

  async #send(records: OutgoingRecord[]): Promise<void> {
    const flight: Flight = { records, sent: false, timer: undefined }
    this.#flight = flight
    this.#armFlightTimer(flight)
    let result: ProduceResult | undefined
    let error: unknown
    try {
      const live = await this.#assignPartitions(records)
      if (live.length > 0) {
        flight.sent = true
        // The records are the wire messages (see OutgoingRecord); partition is set by now.
        result = await this.#o.wire.send({ messages: live as never[] })
      }
    } catch (err) {
      error = err ?? new Error('the wire client failed without an error')
    }
    clearTimeout(flight.timer)
    try {
      this.#complete(records, outcomeOf(result, error), error)
    } finally {
      // Whatever happened above, the next request must be able to go.
      this.#flight = undefined
      this.#schedule()
    }
  }

  /** Sets each record's partition; records of unknown topics or partitions fail here. */
  async #assignPartitions(records: OutgoingRecord[]): Promise<OutgoingRecord[]> {
    const counts = await this.#counts.of(
      records.map((r) => r.topic),
      () => records.some((r) => !r.settled),
    )
    const live: OutgoingRecord[] = []
    for (const record of records) {
      if (record.settled) continue
      const count = counts.get(record.topic)
      if (count instanceof Error || count === undefined) {
        this.#fail(record, publishErrorFromWire(count, facts(record)))
        continue
      }
      const chosen = choosePartition(record, count)
      if (typeof chosen === 'object') {
        this.#fail(record, chosen)
        continue
      }
      record.partition = chosen ?? this.#sticky.current(record.topic, count)
      live.push(record)
    }
    for (const topic of counts.keys()) this.#sticky.advance(topic)
    return live
  }

  /** Settles what the broker wrote; splits batches it refused as too large; fails the rest. */
  #complete(records: OutgoingRecord[], outcome: SendOutcome, error: unknown): void {
    // The records handed to the wire client, and each one's index in its partition's batch.
    const sent = records.filter((r) => r.partition !== undefined)
    const sizes = new Map<string, Map<number, number>>()
    const indices = sent.map((r) => bump(sizes, r.topic, r.partition!))
    const retrySolo: OutgoingRecord[] = []
    sent.forEach((record, i) => {
      if (record.settled) return
      const partition = record.partition!
      const base = outcome.written.get(record.topic)?.get(partition)
      if (base !== undefined) return this.#succeed(record, base >= 0n ? base + BigInt(indices[i]!) : -1n)
      if (error === undefined) {
        // acks=none: the broker does not answer, so there is no offset to report.
        if (!this.#o.acknowledged) return this.#succeed(record, -1n)
        const missing = new Error('the broker returned no offset for the partition')
        return this.#fail(record, publishErrorFromWire(missing, facts(record)))
      }
      const failure = publishErrorFromWire(outcome.rejected.get(record.topic)?.get(partition) ?? error, facts(record))
      const batchSize = sizes.get(record.topic)!.get(partition)!
      if (failure.code === ErrorCodes.RECORD_TOO_LARGE && !record.solo && batchSize > 1) {
        // The partition's batch was too large, not necessarily this record: send each on its own.
        record.solo = true
        record.partition = undefined
        retrySolo.push(record)
        return
      }
      this.#fail(record, failure)
    })
    if (retrySolo.length > 0) this.requeueFirst(retrySolo)
  }

  #succeed(record: OutgoingRecord, offset: bigint): void {
    record.settled = true
    this.#o.onSettled(record, null, { topic: record.topic, partition: record.partition!, offset })
  }

  #fail(record: OutgoingRecord, error: KafkitError): void {
    record.settled = true
    this.#o.onSettled(record, error, undefined)
  }

  /** One timer per request, at its earliest deadline; re-armed for records with later ones. */
  #armFlightTimer(flight: Flight): void {
    const earliest = earliestDeadline(flight.records)
    if (earliest === undefined) return
    flight.timer = setTimeout(
      () => {
        const now = Date.now()
        for (const record of flight.records) {
          if (!record.settled && record.deadline <= now) {
            this.#fail(record, timeoutError(facts(record), record.deadlineMs, flight.sent))
          }
        }
        this.#armFlightTimer(flight)
      },
      Math.max(0, earliest - Date.now()),
    )
  }

  /** Records waiting behind a request in flight still fail at their deadline. */
  #armQueueTimer(): void {
    if (this.#queueTimer !== undefined) return
    const earliest = earliestDeadline(this.#ready)
    if (earliest === undefined) return
    this.#queueTimer = setTimeout(
      () => {
        this.#queueTimer = undefined
        const now = Date.now()
        this.#ready = this.#ready.filter((record) => {
          if (record.deadline > now) return true
          this.#fail(record, timeoutError(facts(record), record.deadlineMs, false))
          return false
        })
        if (this.#flight !== undefined) this.#armQueueTimer()
        else this.#schedule()
      },
      Math.max(0, earliest - Date.now()),
    )
  }

  #notifyIdle(): void {
    if (!this.#isIdle() || this.#idleWaiters.length === 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

function facts(record: OutgoingRecord): FailedRecordFacts {
  return { topic: record.topic, eventId: record.eventId, eventType: record.eventType }
}

function earliestDeadline(records: readonly OutgoingRecord[]): number | undefined {
  let earliest: number | undefined
  for (const record of records) {
    if (!record.settled && (earliest === undefined || record.deadline < earliest)) earliest = record.deadline
  }
  return earliest
}

/** The record's index within its partition's batch (the broker numbers them from the base offset). */
function bump(next: Map<string, Map<number, number>>, topic: string, partition: number): number {
  let partitions = next.get(topic)
  if (!partitions) next.set(topic, (partitions = new Map<number, number>()))
  const index = partitions.get(partition) ?? 0
  partitions.set(partition, index + 1)
  return index
}
