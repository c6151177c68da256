// Dispatch. The wire client's send() does not batch, so kafkit does, and it keeps brokers apart:
// - records wait in one queue per partition, in publish order; the partitions ready to go are
//   grouped by leader, and each broker gets one request at a time holding every ready partition it
//   leads. A slow or hung broker delays only the partitions it leads;
// - a partition has at most one request in flight, so that a retried request never overtakes the
//   records behind it (per-key order, and the idempotent producer's sequence numbers);
// - a second request to a broker, for other partitions, would gain nothing: with idempotence the
//   wire client keeps one request in flight per connection (maxInflights = 1), so it would only wait
//   there instead of here, and split what would have been one request into several;
// - a request unanswered for `stallMs` makes kafkit look at fresh metadata: when its partitions have
//   moved to other leaders, kafkit closes the connection to the silent broker and the wire client
//   retries the same batch there (same producer id and sequence numbers: no duplicate);
// - records sent together carry timestamps less than 2^31 ms apart (see TimestampSpan);
// - the async path lingers up to `lingerMs` or `batchSizeBytes` before its records are ready.
// Every record settles exactly once: acknowledged, failed, or timed out at its deadline.
import type { ProduceResult } from '@platformatic/kafka'
import { connectionError, diagnose } from '../cluster/diagnose.ts'
import { UnknownTopicError } from '../cluster/view.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import {
  noMetadataError,
  notSentError,
  producerIdError,
  publishErrorFromWire,
  silentBrokerError,
  timeoutError,
  type FailedRecordFacts,
} from './failures.ts'
import { jitteredBackoff } from './options.ts'
import { outcomeOf, settleSent, type SendOutcome } from './outcome.ts'
import { choosePartition, StickyPartitions } from './partitioner.ts'
import { Queues, type Batch, type PartitionQueue } from './queues.ts'
import type { OutgoingRecord } from './record.ts'
import type { TransportView, TransportWire } from './transport.ts'
import type { RecordMetadata } from './types.ts'

export type SettleHandler = (
  record: OutgoingRecord,
  error: KafkitError | null,
  metadata: RecordMetadata | undefined,
) => void

export interface SenderOptions {
  wire: TransportWire
  view: TransportView
  /**
   * The acks each request asks for (the wire client's numbers; 0: the broker answers nothing, so no
   * offsets). Given with every send: the wire client ignores the `acks` it was constructed with and
   * asks for the leader's alone (acks=1) when not idempotent.
   */
  acks: number
  idempotent: boolean
  lingerMs: number
  batchSizeBytes: number
  /** Cap of one request's records (uncompressed): the broker limits each partition's batch. */
  maxRequestBytes: number
  onSettled: SettleHandler
  /** Backoff of metadata lookups while the cluster is unreachable. */
  retryBackoffMs: number
  retryBackoffMaxMs: number
  /** A request unanswered this long makes kafkit check whether its partitions moved. Default 1 s. */
  stallMs?: number
}

/** One broker: at most one request in flight. */
interface Lane {
  node: number
  flight: Flight | undefined
}

interface Flight {
  lane: Lane
  records: OutgoingRecord[]
  queues: PartitionQueue[]
  /** False until the records are handed to the wire client: until then a timeout means "not written". */
  sent: boolean
  /** The latest deadline of its records: the wire client's retries stop there. */
  latest: number
  timer: NodeJS.Timeout | undefined
  stall: NodeJS.Timeout | undefined
}

/** Lookups of a topic just created elsewhere may reach a broker that has not heard of it yet. */
const UNKNOWN_TOPIC_ATTEMPTS = 3
const STALL_MS = 1000
const METADATA_MAX_AGE_MS = 5 * 60_000

export class Sender {
  readonly #o: SenderOptions
  readonly #sticky = new StickyPartitions()
  readonly #queues = new Queues()
  readonly #lanes = new Map<number, Lane>()
  readonly #lookups = new Set<string>()
  /** Why records of a topic or behind a broker are waiting, for the message if they time out. */
  readonly #problems = new Map<string, KafkitError>()
  #lingering: OutgoingRecord[] = []
  #lingerBytes = 0
  #lingerTimer: NodeJS.Timeout | undefined
  #expiry: { at: number; timer: NodeJS.Timeout } | undefined
  #leaderRefresh: Promise<void> | undefined
  #scheduled = false
  #idleWaiters: (() => void)[] = []
  readonly #dispatch = () => this.#dispatchNow()

  constructor(options: SenderOptions) {
    this.#o = options
  }

  /** A record to send now (the sync path): it goes behind any lingering ones, keeping order. */
  enqueue(record: OutgoingRecord): void {
    if (this.#lingering.length > 0) this.#releaseLingering()
    this.#route(record)
    this.#schedule()
  }

  /** Records to send again first (each alone, after the broker refused their batch as too large). */
  requeueFirst(records: OutgoingRecord[]): void {
    for (const record of records) this.#watchDeadline(record.deadline)
    this.#queues.addFirst(records)
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

  /** The deadline the wire client's retries keep when kafkit cannot tell which records they carry. */
  fallbackDeadline(): number {
    let latest = Date.now()
    for (const lane of this.#lanes.values()) if (lane.flight && lane.flight.latest > latest) latest = lane.flight.latest
    return latest
  }

  #isIdle(): boolean {
    if (this.#lingering.length > 0 || !this.#queues.empty) return false
    for (const lane of this.#lanes.values()) if (lane.flight) return false
    return true
  }

  #releaseLingering(): void {
    clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
    const records = this.#lingering
    this.#lingering = []
    this.#lingerBytes = 0
    for (const record of records) this.#route(record)
    this.#schedule()
  }

  /** Chooses the record's partition, or holds it until its topic's partition count is known. */
  #route(record: OutgoingRecord): void {
    this.#watchDeadline(record.deadline)
    if (record.partition !== undefined) return this.#queues.add(record)
    const count = this.#o.view.topic(record.topic)?.partitionsCount
    if (count === undefined || this.#queues.isHeld(record.topic)) {
      this.#queues.hold(record)
      void this.#lookUp(record.topic)
      return
    }
    const chosen = choosePartition(record, count)
    if (typeof chosen === 'object') return this.#fail(record, chosen)
    record.partition = chosen ?? this.#sticky.current(record.topic, count)
    this.#queues.add(record)
  }

  /** Learns a topic's partitions, with backoff while the cluster does not answer; then routes its records. */
  async #lookUp(topic: string): Promise<void> {
    if (this.#lookups.has(topic)) return
    this.#lookups.add(topic)
    try {
      for (let attempt = 1; this.#queues.stillNeeded(topic); attempt++) {
        const failure = await this.#o.view.refresh([topic]).then(
          () => undefined,
          (err: unknown) => err,
        )
        if (this.#o.view.topic(topic)) break
        const unknown = failure === undefined || failure instanceof UnknownTopicError
        if (unknown && attempt >= UNKNOWN_TOPIC_ATTEMPTS) {
          const error = new Error(`Unknown topic ${topic}.`, { cause: failure })
          return this.#failHeld(topic, (record) => publishErrorFromWire(error, facts(record)))
        }
        if (!unknown && KafkitError.is(failure)) {
          // Wrong credentials or TLS settings: waiting cannot help, so the records fail now.
          if (failure.code !== ErrorCodes.BROKER_UNAVAILABLE) {
            return this.#failHeld(topic, (record) => notSentError(facts(record), failure))
          }
          this.#problems.set(topic, failure)
        }
        const delay = jitteredBackoff(attempt, this.#o.retryBackoffMs, this.#o.retryBackoffMaxMs)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
      this.#problems.delete(topic)
      for (const record of this.#queues.release(topic)) if (!record.settled) this.#route(record)
    } finally {
      this.#lookups.delete(topic)
      this.#schedule()
    }
  }

  #failHeld(topic: string, error: (record: OutgoingRecord) => KafkitError): void {
    for (const record of this.#queues.release(topic)) if (!record.settled) this.#fail(record, error(record))
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    queueMicrotask(this.#dispatch)
  }

  #dispatchNow(): void {
    this.#scheduled = false
    this.#o.view.freshen(METADATA_MAX_AGE_MS)
    const now = Date.now()
    const byLeader = new Map<number, PartitionQueue[]>()
    let leaderless = false
    for (const queue of this.#queues.ready()) {
      const leader = this.#o.view.leader(queue.topic, queue.partition)
      if (leader === undefined) {
        leaderless = true
        continue
      }
      const lane = this.#lane(leader)
      if (lane.flight) continue
      const queues = byLeader.get(leader)
      if (queues) queues.push(queue)
      else byLeader.set(leader, [queue])
    }
    if (leaderless) this.#refreshLeaders()
    if (this.#queues.empty && this.#expiry) {
      clearTimeout(this.#expiry.timer)
      this.#expiry = undefined
    }
    for (const [leader, queues] of byLeader) {
      const batch = this.#queues.take(queues, this.#o.maxRequestBytes, now, (record) => this.#expired(record, false))
      if (batch.records.length > 0) void this.#send(this.#lane(leader), batch)
      for (const topic of new Set(batch.records.map((r) => r.topic))) this.#sticky.advance(topic)
    }
    this.#notifyIdle()
  }

  /** Partitions without a leader (an election under way): refresh, then try again, with backoff. */
  #refreshLeaders(attempt = 1): void {
    if (this.#leaderRefresh) return
    const delay = jitteredBackoff(attempt, this.#o.retryBackoffMs, this.#o.retryBackoffMaxMs)
    this.#leaderRefresh = new Promise<void>((resolve) => setTimeout(resolve, delay))
      .then(() => this.#o.view.refresh())
      .catch(() => undefined)
      .finally(() => {
        this.#leaderRefresh = undefined
        this.#schedule()
      })
  }

  #lane(node: number): Lane {
    let lane = this.#lanes.get(node)
    if (!lane) this.#lanes.set(node, (lane = { node, flight: undefined }))
    return lane
  }

  async #send(lane: Lane, batch: Batch): Promise<void> {
    const { wire, idempotent } = this.#o
    const flight: Flight = {
      lane,
      records: batch.records,
      queues: batch.queues,
      sent: false,
      latest: latestDeadline(batch.records),
      timer: undefined,
      stall: undefined,
    }
    lane.flight = flight
    this.#armFlightTimer(flight)
    flight.stall = setTimeout(() => void this.#checkStall(flight), this.#o.stallMs ?? STALL_MS)
    let result: ProduceResult | undefined
    let error: unknown
    // The records handed to the wire client; undefined while none were (no producer id yet).
    let live: OutgoingRecord[] | undefined
    try {
      // The producer id first (the wire client's first send would ask for it without a deadline).
      if (idempotent && wire.producerId === undefined) {
        await wire.withDeadline(flight.latest, () => wire.initIdempotentProducer({}))
      }
      live = flight.records.filter((r) => !r.settled)
      if (live.length > 0) {
        flight.sent = true
        // The records are the wire messages (see OutgoingRecord).
        result = await wire.withDeadline(flight.latest, () =>
          wire.send({ messages: live as never[], acks: this.#o.acks }),
        )
      }
    } catch (err) {
      error = err ?? new Error('the wire client failed without an error')
    }
    clearTimeout(flight.timer)
    clearTimeout(flight.stall)
    try {
      // Records that expired before the request went were failed as not sent; the rest settle now.
      if (live) this.#complete(live, outcomeOf(result, error), error)
      else this.#notSent(flight.records, error)
    } finally {
      // Whatever happened above, the next request must be able to go.
      lane.flight = undefined
      for (const queue of flight.queues) queue.busy = false
      this.#problems.delete(`node:${lane.node}`)
      this.#schedule()
    }
  }

  /**
   * The request is slow: look at fresh metadata (asked of other brokers first). If its partitions
   * have moved, close the connection to the silent broker so the wire client retries on the new
   * leaders; otherwise look again later.
   */
  async #checkStall(flight: Flight): Promise<void> {
    const { view, wire } = this.#o
    const node = flight.lane.node
    view.suspect(node)
    this.#problems.set(`node:${node}`, silentBrokerError(view.nameOf(node), this.#o.stallMs ?? STALL_MS))
    await view.refresh(new Set(flight.queues.map((q) => q.topic))).catch(() => undefined)
    if (flight.lane.flight !== flight) return
    const moved = flight.queues.some((q) => {
      const leader = view.leader(q.topic, q.partition)
      return leader !== undefined && leader !== node
    })
    const broker = view.broker(node)
    if (moved && broker) wire.dropConnection(broker.host, broker.port)
    flight.stall = setTimeout(() => void this.#checkStall(flight), this.#o.retryBackoffMaxMs)
  }

  /** Settles what the broker wrote of the records sent; splits batches it refused as too large; fails the rest. */
  #complete(records: OutgoingRecord[], outcome: SendOutcome, error: unknown): void {
    settleSent(records, outcome, error, this.#o.acks !== 0, {
      succeed: (record, offset) => this.#succeed(record, offset),
      fail: (record, failure) => this.#fail(record, failure),
      expired: (record) => this.#expired(record, true, error),
      retryAlone: (alone) => this.requeueFirst(alone),
    })
  }

  /** No producer id could be had within the deadline (or at all): the records were not sent. */
  #notSent(records: readonly OutgoingRecord[], error: unknown): void {
    const now = Date.now()
    for (const record of records) {
      if (record.settled) continue
      if (record.deadline <= now) this.#expired(record, false, error)
      else this.#fail(record, producerIdError(facts(record), error))
    }
  }

  #succeed(record: OutgoingRecord, offset: bigint): void {
    record.settled = true
    this.#o.onSettled(record, null, { topic: record.topic, partition: record.partition!, offset })
  }

  #fail(record: OutgoingRecord, error: KafkitError): void {
    record.settled = true
    this.#o.onSettled(record, error, undefined)
  }

  /**
   * A record past its deadline: `sent` says whether the wire client had it (then it may be
   * written). The message names the last known problem: the wire client's last error, a broker
   * that did not answer, metadata that did not come.
   */
  #expired(record: OutgoingRecord, sent: boolean, lastError?: unknown): void {
    const leader = record.partition === undefined ? undefined : this.#o.view.leader(record.topic, record.partition)
    const diagnosis = lastError === undefined ? undefined : diagnose(lastError)
    const problem =
      (diagnosis &&
        connectionError('producing', diagnosis, leader === undefined ? [] : [this.#o.view.nameOf(leader)])) ??
      this.#problems.get(record.topic) ??
      (leader === undefined ? undefined : this.#problems.get(`node:${leader}`)) ??
      (this.#lookups.has(record.topic) ? noMetadataError(this.#o.view.addresses) : undefined)
    this.#fail(record, timeoutError(facts(record), record.deadlineMs, sent, problem))
  }

  /** One timer per request, at its earliest deadline; when every record has expired, the request is abandoned. */
  #armFlightTimer(flight: Flight): void {
    let earliest: number | undefined
    for (const r of flight.records)
      if (!r.settled && (earliest === undefined || r.deadline < earliest)) earliest = r.deadline
    if (earliest === undefined) return this.#abandon(flight)
    flight.timer = setTimeout(
      () => {
        const now = Date.now()
        for (const record of flight.records)
          if (!record.settled && record.deadline <= now) this.#expired(record, flight.sent)
        this.#armFlightTimer(flight)
      },
      Math.max(0, earliest - Date.now()),
    )
  }

  /** Every record of the request timed out: end the wire client's attempt now (it will not retry). */
  #abandon(flight: Flight): void {
    if (flight.lane.flight !== flight) return
    const broker = this.#o.view.broker(flight.lane.node)
    if (broker) this.#o.wire.dropConnection(broker.host, broker.port)
  }

  /** Waiting records still fail at their deadline: one timer at the earliest one. */
  #watchDeadline(deadline: number): void {
    if (this.#expiry && this.#expiry.at <= deadline) return
    if (this.#expiry) clearTimeout(this.#expiry.timer)
    const timer = setTimeout(() => this.#expireWaiting(), Math.max(0, deadline - Date.now()))
    this.#expiry = { at: deadline, timer }
  }

  #expireWaiting(): void {
    this.#expiry = undefined
    const next = this.#queues.expire(Date.now(), (record) => this.#expired(record, false))
    if (next !== undefined) this.#watchDeadline(next)
    this.#schedule()
  }

  #notifyIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

function facts(record: OutgoingRecord): FailedRecordFacts {
  return { topic: record.topic, eventId: record.eventId, eventType: record.eventType }
}

function latestDeadline(records: readonly OutgoingRecord[]): number {
  let latest = 0
  for (const record of records) if (record.deadline > latest) latest = record.deadline
  return latest
}
