// Public result and option types of the producer.
import type { Actor } from '../envelope/types.ts'
import type { KafkitError } from '../errors.ts'
import type { Duration } from '../util/duration.ts'

export interface PublishOptions {
  /** Overrides the key the topic's extractor gives. */
  key?: string
  /** Overrides partitioning (the topic's partitioner applied to the key). */
  partition?: number
  /** Extra record headers; kafkit's own headers (event-id, ...) cannot be overridden. */
  headers?: Record<string, string | Buffer>
  /** Defaults to the current context's, else a new id. */
  correlationId?: string
  /** Defaults to the current context's (the event being handled). */
  causationId?: string
  /** Defaults to the current context's. */
  actor?: Actor
  metadata?: Record<string, string>
  /** The event id; defaults to a new UUIDv7. Set it to make a retried publish recognisable. */
  id?: string
  /** The event time; defaults to now. */
  timestamp?: Date | string
  /** This publish's delivery timeout, instead of the producer's `deliveryTimeout`. */
  deliveryTimeout?: Duration
  /** @deprecated Use `deliveryTimeout` (removed in 1.0). */
  deadlineMs?: number
}

export interface PublishedResult {
  status: 'published'
  topic: string
  partition: number
  /** The record's offset; -1 when `acks` is `none` (the broker does not say). */
  offset: bigint
  eventId: string
  key: string | undefined
}

/** The event could never be written to its topic and was written to the topic's DLQ instead. */
export interface DeadLetteredResult {
  status: 'dead-lettered'
  /** The DLQ topic, partition and offset the failure record was written to. */
  topic: string
  partition: number
  offset: bigint
  eventId: string
  key: string | undefined
  originalTopic: string
  error: KafkitError
}

export type PublishResult = PublishedResult | DeadLetteredResult

/** A record of the raw path (`sendRecords`): bytes in, no envelope. */
export interface RawRecord {
  topic: string
  key?: Buffer | string | undefined
  /** Null writes a tombstone (a record without a value). */
  value: Buffer | null
  /** An object, or entries in order: entries keep duplicate names and null values, byte for byte. */
  headers?:
    Record<string, string | Buffer> | readonly (readonly [Buffer | string, Buffer | string | null])[] | undefined
  partition?: number | undefined
  timestamp?: Date | undefined
}

export interface RecordMetadata {
  topic: string
  partition: number
  offset: bigint
}

export interface SendRecordsOptions {
  /** These records' delivery timeout, instead of the producer's `deliveryTimeout`. */
  deliveryTimeout?: Duration
  /** @deprecated Use `deliveryTimeout` (removed in 1.0). */
  deadlineMs?: number
}

/** What `publishAsync` reports for each record: to its callback and to `onDelivery` listeners. */
export type DeliveryReport =
  | { ok: true; result: PublishResult }
  | { ok: false; error: KafkitError; eventId: string | undefined; eventType: string | undefined; topic: string }

export type DeliveryCallback = (error: KafkitError | null, result: PublishResult | undefined) => void

/** A listener of every async delivery (`producer.onDelivery`). */
export type DeliveryListener = (report: DeliveryReport) => void

/** The events of the deprecated `producer.on(…)`; `producer.onDelivery` hears the same reports. */
export interface ProducerEvents {
  delivery: [report: DeliveryReport]
  /** Emitted for failed async publishes only while someone listens (failures are always logged). */
  error: [error: KafkitError]
}
