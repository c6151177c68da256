// What handlers see and what a consumer is configured with.
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { Envelope } from '../envelope/types.ts'
import type { Logger } from '../logging/logger.ts'
import type { PublishResult } from '../producer/types.ts'
import type { Duration } from '../util/duration.ts'

/** The event a handler receives: the envelope with its payload typed by the catalog. */
export type ConsumedEvent<TPayload = unknown, TType extends string = string> = Envelope<TPayload, TType>

/**
 * What `ctx.publish` resolves with in a transactional consumer: the event is validated, encoded and
 * staged, not yet written. It is written in the transaction that commits its record's offset, and
 * dropped if the attempt fails; the topic, partition and offset it gets are not known to the handler.
 */
export interface StagedPublish {
  status: 'staged'
  topic: string
  eventId: string
  key: string | undefined
  /** Always true (kept beside `status`, which the other results have too). */
  staged: true
}

/**
 * What a handler's `ctx.publish` resolves with: the producer's result (the broker acknowledged the
 * event, or it was dead-lettered), or, in a transactional consumer, the staged event. Tell them apart
 * by `status`: "published", "dead-lettered" or "staged".
 */
export type HandlerPublishResult = PublishResult | StagedPublish

/**
 * What a handler sees besides its event. `R` is what `ctx.publish` resolves with: any
 * HandlerPublishResult for a handler registered on a consumer (it may be transactional), the
 * producer's PublishResult where the context is known to publish at once (kafkit/testing's).
 */
export interface HandlerContext<R extends HandlerPublishResult = HandlerPublishResult> {
  /** The source topic (for records replayed from a retry topic: the topic they first came from). */
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: string | undefined
  /** The record's timestamp. */
  readonly timestamp: Date
  readonly headers: ReadonlyMap<string, string>
  /** 1 on the first delivery, then 2, 3 … across in-process retries and retry topics. */
  readonly attempt: number
  readonly group: string
  /** Versions this event was upcast through to reach the handler's version (empty if none). */
  readonly upcastedFrom: readonly string[]
  /** Fires when the handler times out or the consumer shuts down: stop work and return. */
  readonly signal: AbortSignal
  /** A child logger bound to the event id, type, topic, partition, offset and correlation id. */
  readonly logger: Logger
  /**
   * Publishes with this event's correlation id and its id as causation id. Resolves when the broker
   * acknowledged it (status "published" or "dead-lettered"); in a transactional consumer, once it is
   * staged (status "staged"): it is written when the record's offset commits. Await it: a
   * transactional consumer drops what a handler had not finished publishing when it returned.
   */
  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishInHandlerOptions): Promise<R>
}

/** What a batch handler knows of one of its records, in the order of its events. */
export interface BatchRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: string | undefined
  readonly timestamp: Date
  readonly headers: ReadonlyMap<string, string>
}

/** What a batch handler sees besides its events. */
export interface BatchContext {
  /** The source topic (for records replayed from a retry topic: the topic they first came from). */
  readonly topic: string
  readonly partition: number
  /** The key all the batch's records share (batches formed `by: "key"`), else undefined. */
  readonly key: string | undefined
  /** One per event, in the same order: where each record was and what it carried. */
  readonly records: readonly BatchRecord[]
  /** 1 on the first try of this batch, then 2, 3 … (a split tries each record again from 1). */
  readonly attempt: number
  readonly group: string
  /** Fires when the batch times out or the consumer shuts down: stop work and return. */
  readonly signal: AbortSignal
  /** A child logger bound to the topic, partition and offsets of the batch. */
  readonly logger: Logger
  /**
   * Publishes with the producer and resolves when the broker acknowledged it; in a transactional
   * consumer, stages the event instead (`{ status: 'staged' }`): it is written in the transaction
   * that commits the offsets of the batch's records, and only if this call of the handler succeeded.
   */
  publish<E extends AnyEvent>(
    event: E,
    payload: InputOf<E>,
    options?: BatchPublishOptions,
  ): Promise<HandlerPublishResult>
}

/** A batch handler's publish options: a batch has many inputs, so the event that caused this one is named. */
export interface BatchPublishOptions extends PublishInHandlerOptions {
  /**
   * The batch's event this one comes from: its `id` becomes `causation_id` and its `correlation_id`
   * is carried. Without it the event has no `causation_id` and a correlation id of its own.
   */
  causedBy?: ConsumedEvent
}

export type BatchHandler<TPayload = unknown, TType extends string = string> = (
  events: readonly ConsumedEvent<TPayload, TType>[],
  ctx: BatchContext,
) => void | Promise<void>

export interface BatchOptions {
  /** Most events in one call. Default 100 (never more than the consumer's maxInFlight). */
  maxSize?: number
  /** How long the first record of a batch waits for others. Default 100 ms. */
  maxWait?: Duration
  /** Which records share a batch: one partition's (default), or one key's within a partition. */
  by?: 'partition' | 'key'
  /**
   * Once a batch has failed its attempts: "split" (default) tries each of its records alone so that
   * only the records that still fail go to a retry topic or the DLQ; "whole" sends them all there.
   */
  onFailure?: 'split' | 'whole'
  /** Overrides the consumer's retry policy for this handler (tries of a whole batch). */
  retry?: Partial<RetryPolicy>
  /** Overrides the consumer's handler timeout, per call. */
  timeout?: Duration
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number
  /** Keep only these fields of each event, e.g. ["payload.user_id"] (subset projection). */
  fields?: readonly string[]
  /** A name for logs and DLQ records (default: the type or pattern). */
  name?: string
}

/** Batch options once resolved at registration. */
export interface BatchSpec {
  maxSize: number
  maxWaitMs: number
  by: 'partition' | 'key'
  onFailure: 'split' | 'whole'
}

export interface PublishInHandlerOptions {
  key?: string
  headers?: Record<string, string>
  metadata?: Record<string, string>
}

export type Handler<TPayload = unknown, TType extends string = string> = (
  event: ConsumedEvent<TPayload, TType>,
  ctx: HandlerContext,
) => void | Promise<void>

/** A layer around handlers (logging, metrics, idempotency, ...): takes the next handler, returns a handler. */
export type Middleware = (next: Handler) => Handler

export interface RetryPolicy {
  /** Deliveries in this process before a record moves on (retry topic or DLQ). Default 3. */
  maxAttempts: number
  /** First backoff; grows by `multiplier` each attempt (equal jitter: between half and all of it). Default 200 ms. */
  initialBackoff: Duration
  /** Longest backoff. Default 30 s. */
  maxBackoff: Duration
  /** Default 2. */
  multiplier: number
  /** @deprecated Use `initialBackoff` (removed in 1.0). */
  initialBackoffMs?: number
  /** @deprecated Use `maxBackoff` (removed in 1.0). */
  maxBackoffMs?: number
}

export interface HandlerOptions {
  /** Overrides the consumer's retry policy for this handler. */
  retry?: Partial<RetryPolicy>
  /** Overrides the consumer's handler timeout. */
  timeout?: Duration
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number
  /** Hand the handler only these fields, e.g. ["payload.user_id", "payload.content"] (subset projection). */
  fields?: readonly string[]
  /** A name for logs and DLQ records (default: the type or pattern). */
  name?: string
}

export type Ordering = 'key' | 'partition' | 'none'
export type UnroutedPolicy = 'skip' | 'dlq'

/** Minimal producer surface the consumer needs (kafkit's Producer provides it). */
export interface EventPublisher {
  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishInHandlerOptions): Promise<PublishResult>
}

/** What a handler's context publishes with: the producer, or a transactional consumer's staging. */
export interface HandlerPublisher<R extends HandlerPublishResult = HandlerPublishResult> {
  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishInHandlerOptions): Promise<R>
}

export interface OutgoingRecord {
  topic: string
  key?: Buffer | string | undefined
  value: Buffer | null
  /** An object, or entries in order (duplicate names and null values kept, byte for byte). */
  headers?: Record<string, string | Buffer> | readonly (readonly [Buffer | string, Buffer | string | null])[]
  partition?: number
}

/** Writes retry-tier and DLQ records (kafkit's Producer is one). */
export interface RecordSender {
  sendRecords(records: OutgoingRecord[]): Promise<unknown>
  /** The largest record it sends; failure records are kept under it. */
  readonly maxRecordBytes?: number
}
