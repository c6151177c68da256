// Producer settings: kafkit's defaults (txova's, plus a per-send deadline), their validation, and
// the wire client's options derived from them.
import { CompressionAlgorithms, ProduceAcks, compressionsAlgorithms } from '@platformatic/kafka'
import { ConfigError, formatIssues, type ValidationIssue } from '../errors.ts'
import type { AnyTopic } from '../catalog/event.ts'
import type { ClientOptions } from '../config/client.ts'
import type { CodecName } from '../envelope/registry.ts'
import type { EnvelopeCodec } from '../envelope/codec.ts'
import type { Logger } from '../logging/logger.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { SPREAD_JITTER, backoffDelay } from '../util/backoff.ts'
import type { TransportFactory } from './transport.ts'
import { renamed } from '../util/deprecated.ts'
import { durationMs, type Duration } from '../util/duration.ts'

export type Acks = 'all' | 'leader' | 'none'
export type Compression = 'snappy' | 'gzip' | 'lz4' | 'zstd' | 'none'

export interface ProducerOptions {
  client: ClientOptions
  /** The producing service: the envelope's `source`. */
  service: string
  logger?: Logger
  /** Default `all`: every in-sync replica has the record before it counts as published. */
  acks?: Acks
  /** Default true: broker-side de-duplication of retried batches (requires `acks: 'all'`). */
  idempotent?: boolean
  /** Default `snappy`. */
  compression?: Compression
  /** How long the async path waits to fill a batch. Default 5 ms. */
  linger?: Duration
  /** @deprecated Use `linger` (removed in 1.0). */
  lingerMs?: number
  /** The async path sends a batch once it holds this many bytes. Default 16 KiB. */
  batchSizeBytes?: number
  /** A publish settles within this time: acknowledged, failed, or timed out. Default 30 s. */
  deliveryTimeout?: Duration
  /** @deprecated Use `deliveryTimeout` (removed in 1.0). */
  deliveryTimeoutMs?: number
  /** Caps retries of retriable errors; by default they go on until the deadline. */
  retries?: number
  /** First retry delay; doubles per attempt, with jitter. Default 100 ms. */
  retryBackoff?: Duration
  /** Longest retry delay. Default 1 s. */
  retryBackoffMax?: Duration
  /** @deprecated Use `retryBackoff` (removed in 1.0). */
  retryBackoffMs?: number
  /** @deprecated Use `retryBackoffMax` (removed in 1.0). */
  retryBackoffMaxMs?: number
  /** Bound of records accepted by `publishAsync` and not yet settled. Default 100,000. */
  maxBufferedRecords?: number
  /** Largest record (key, value, headers) sent; bigger ones fail before sending. Default 1 MiB. */
  maxRecordBytes?: number
  /** Route records that can never be written (invalid, too large) to their topic's DLQ. Default false. */
  deadLetter?: boolean
  /**
   * After `close()` has settled every record (each by its deadline at the latest), how long closing
   * the connections may take before they are ended forcibly. Default 5 s.
   */
  closeTimeout?: Duration
  /** @deprecated Use `closeTimeout` (removed in 1.0). */
  closeTimeoutMs?: number
  /** Wire format of topics that do not choose one. Default `json` (the canonical envelope). */
  codec?: CodecName | EnvelopeCodec
  /** The schema registry of topics with a registry codec (`registry-json`, `registry-avro`, `registry-protobuf`). */
  registry?: SchemaRegistry
  /**
   * Catalog topics whose partitioner the raw path (`sendRecords`: replays) uses for records to
   * them; `publish` takes it from the event's topic. `createKafkit` passes its catalog's topics.
   */
  topics?: readonly AnyTopic[]
  /**
   * OpenTelemetry spans and metrics through `@opentelemetry/api` (no-ops until the application
   * registers an SDK). Default true; false leaves them out entirely.
   */
  telemetry?: boolean
  /** The cluster the producer talks to. Default: the wire client. For tests (an in-memory Kafka, kafkit/testing). */
  transport?: TransportFactory
}

export interface ResolvedProducerOptions {
  client: ClientOptions
  service: string
  acks: Acks
  idempotent: boolean
  compression: Compression
  lingerMs: number
  batchSizeBytes: number
  deliveryTimeoutMs: number
  retries: number | undefined
  retryBackoffMs: number
  retryBackoffMaxMs: number
  maxBufferedRecords: number
  maxRecordBytes: number
  deadLetter: boolean
  closeTimeoutMs: number
}

/** The defaults of `ProducerOptions` (durations in ms). */
export const PRODUCER_DEFAULTS = {
  acks: 'all',
  idempotent: true,
  compression: 'snappy',
  linger: 5,
  batchSizeBytes: 16 * 1024,
  deliveryTimeout: 30_000,
  retryBackoff: 100,
  retryBackoffMax: 1_000,
  maxBufferedRecords: 100_000,
  maxRecordBytes: 1024 * 1024,
  deadLetter: false,
  closeTimeout: 5_000,
} as const satisfies Partial<ProducerOptions>

const ACKS: readonly Acks[] = ['all', 'leader', 'none']
const COMPRESSIONS: readonly Compression[] = ['snappy', 'gzip', 'lz4', 'zstd', 'none']

/** Producer options whose names carried their unit, and their names now (durations take a `Duration`). */
export const PRODUCER_RENAMES = {
  lingerMs: 'linger',
  deliveryTimeoutMs: 'deliveryTimeout',
  retryBackoffMs: 'retryBackoff',
  retryBackoffMaxMs: 'retryBackoffMax',
  closeTimeoutMs: 'closeTimeout',
} as const

export function resolveProducerOptions(given: ProducerOptions): ResolvedProducerOptions {
  const options = renamed(given, PRODUCER_RENAMES, 'producer')
  const issues: ValidationIssue[] = []
  const ms = (value: Duration | undefined, fallback: number, path: string) => durationMs(value, fallback, path, issues)
  const resolved: ResolvedProducerOptions = {
    client: options.client,
    service: options.service,
    acks: options.acks ?? PRODUCER_DEFAULTS.acks,
    idempotent: options.idempotent ?? PRODUCER_DEFAULTS.idempotent,
    compression: options.compression ?? PRODUCER_DEFAULTS.compression,
    lingerMs: ms(options.linger, PRODUCER_DEFAULTS.linger, 'linger'),
    batchSizeBytes: options.batchSizeBytes ?? PRODUCER_DEFAULTS.batchSizeBytes,
    deliveryTimeoutMs: ms(options.deliveryTimeout, PRODUCER_DEFAULTS.deliveryTimeout, 'deliveryTimeout'),
    retries: options.retries,
    retryBackoffMs: ms(options.retryBackoff, PRODUCER_DEFAULTS.retryBackoff, 'retryBackoff'),
    retryBackoffMaxMs: ms(options.retryBackoffMax, PRODUCER_DEFAULTS.retryBackoffMax, 'retryBackoffMax'),
    maxBufferedRecords: options.maxBufferedRecords ?? PRODUCER_DEFAULTS.maxBufferedRecords,
    maxRecordBytes: options.maxRecordBytes ?? PRODUCER_DEFAULTS.maxRecordBytes,
    deadLetter: options.deadLetter ?? PRODUCER_DEFAULTS.deadLetter,
    closeTimeoutMs: ms(options.closeTimeout, PRODUCER_DEFAULTS.closeTimeout, 'closeTimeout'),
  }
  issues.push(...producerOptionIssues(resolved))
  if (issues.length > 0) throw new ConfigError(`invalid producer options: ${formatIssues(issues)}`, issues)
  return resolved
}

function producerOptionIssues(o: ResolvedProducerOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path, message })
  }
  const count = (value: number | undefined, path: string, min: number) =>
    need(value === undefined || (Number.isInteger(value) && value >= min), path, `must be an integer >= ${min}`)
  need(
    Array.isArray(o.client?.brokers) && o.client.brokers.length > 0,
    'client.brokers',
    'must list at least one broker',
  )
  need(typeof o.service === 'string' && o.service.length > 0, 'service', 'must be a non-empty string')
  need(ACKS.includes(o.acks), 'acks', `must be one of ${ACKS.join(', ')}`)
  need(COMPRESSIONS.includes(o.compression), 'compression', `must be one of ${COMPRESSIONS.join(', ')}`)
  need(
    o.compression !== 'zstd' || compressionsAlgorithms.zstd.available,
    'compression',
    'zstd needs Node.js >= 22.15 (zlib.zstdCompressSync)',
  )
  need(!o.idempotent || o.acks === 'all', 'acks', "must be 'all' when idempotent (set idempotent: false to change it)")
  const positive = (value: number, path: string) => need(value >= 1, path, 'must be at least 1 ms')
  count(o.batchSizeBytes, 'batchSizeBytes', 1)
  positive(o.deliveryTimeoutMs, 'deliveryTimeout')
  count(o.retries, 'retries', 0)
  positive(o.retryBackoffMs, 'retryBackoff')
  positive(o.retryBackoffMaxMs, 'retryBackoffMax')
  count(o.maxBufferedRecords, 'maxBufferedRecords', 1)
  count(o.maxRecordBytes, 'maxRecordBytes', 1024)
  positive(o.closeTimeoutMs, 'closeTimeout')
  need(o.retryBackoffMaxMs >= o.retryBackoffMs, 'retryBackoffMax', 'must be >= retryBackoff')
  return issues
}

/**
 * The delay before retry number `attempt` (1-based): base × 2^(attempt-1), ±20 % so that many
 * producers do not retry in lockstep, never above `maxMs`.
 */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number, random?: () => number): number {
  return backoffDelay({ initialBackoffMs: baseMs, maxBackoffMs: maxMs, multiplier: 2 }, attempt, SPREAD_JITTER, random)
}

export function wireAcks(acks: Acks): number {
  return acks === 'all' ? ProduceAcks.ALL : acks === 'leader' ? ProduceAcks.LEADER : ProduceAcks.NO_RESPONSE
}

export function wireCompression(compression: Compression) {
  return CompressionAlgorithms[compression.toUpperCase() as keyof typeof CompressionAlgorithms]
}
