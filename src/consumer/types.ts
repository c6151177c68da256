// What handlers see and what a consumer is configured with.
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { Envelope } from '../envelope/types.ts'
import type { Logger } from '../logging/logger.ts'

/** The event a handler receives: the envelope with its payload typed by the catalog. */
export type ConsumedEvent<TPayload = unknown, TType extends string = string> = Envelope<TPayload, TType>

export interface HandlerContext {
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
  /** Publishes with this event's correlation id and its id as causation id. */
  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishInHandlerOptions): Promise<unknown>
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
  /** First backoff; doubles each attempt (equal jitter: between half and all of it). Default 200 ms. */
  initialBackoffMs: number
  maxBackoffMs: number
  multiplier: number
}

export interface HandlerOptions {
  /** Overrides the consumer's retry policy for this handler. */
  retry?: Partial<RetryPolicy>
  /** Overrides the consumer's handler timeout (ms). */
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
  publish<E extends AnyEvent>(event: E, payload: InputOf<E>, options?: PublishInHandlerOptions): Promise<unknown>
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
