// Consumer settings: what a user may give, kafkit's defaults, and their validation. Resolved once,
// when the consumer is made: a bad duration or an impossible combination fails there, naming every
// setting at fault, and nothing later has to parse or default anything.
import type { Catalog } from '../catalog/catalog.ts'
import type { ClientOptions } from '../config/client.ts'
import type { EnvelopeCodec } from '../envelope/codec.ts'
import type { DecodeMode } from '../envelope/validate.ts'
import { ConfigError, formatIssues, type ValidationIssue } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { systemClock, type Clock } from '../util/clock.ts'
import { parseDuration, type Duration } from '../util/duration.ts'
import type { CodecName } from '../envelope/registry.ts'
import type { Isolation, MemberFactory, RebalanceProtocol } from './member.ts'
import type { TransactionalProducerFactory } from './transaction-producer.ts'
import { resolveRetry, type ResolvedRetry } from './retry.ts'
import type { RunnerHooks } from './hooks.ts'
import type {
  BatchOptions,
  BatchSpec,
  EventPublisher,
  Ordering,
  RecordSender,
  RetryPolicy,
  UnroutedPolicy,
} from './types.ts'

export interface ConsumerOptions extends RunnerHooks {
  client: ClientOptions
  catalog: Catalog
  /** The consuming service (DLQ records, logs); the group defaults to `{service}-group`. */
  service: string
  group?: string
  logger?: Logger
  /** Publishes from handlers and writes DLQ / retry-topic records. Without it, failures cannot be dead-lettered. */
  producer?: EventPublisher & RecordSender
  /** Handlers running at once. Default 10. */
  concurrency?: number
  /** What must stay in order: records of one key (default), of one partition, or nothing. */
  ordering?: Ordering
  /**
   * Records held at once (queued, running, waiting to retry); reading pauses beyond it. Default
   * 1000, or 4 × `concurrency` when that is more (see `defaultMaxInFlight`).
   */
  maxInFlight?: number
  retry?: Partial<RetryPolicy>
  /** Per-attempt handler timeout; the signal fires and the attempt fails. Default 30 s. */
  handlerTimeout?: Duration
  /** Delays of retry topics tried after in-process retries, e.g. ["5s", "1m"]. Default none. */
  retryTopics?: readonly Duration[]
  /** Event types not in the catalog. Default "skip" (logged). */
  onUnknownType?: UnroutedPolicy
  /** Known event types without a handler here. Default "skip". */
  onUnhandled?: UnroutedPolicy
  /**
   * Where a partition with no committed offset starts: "earliest" (default), "latest", or "now" —
   * the end of the partition when start() was called, so that nothing produced after it is missed
   * (with "latest", records produced while the group forms are).
   */
  autoOffsetReset?: 'earliest' | 'latest' | 'now'
  commitInterval?: Duration
  sessionTimeout?: Duration
  heartbeatInterval?: Duration
  rebalanceTimeout?: Duration
  maxPollRecords?: number
  fetchMinBytes?: number
  fetchMaxBytes?: number
  fetchMaxBytesPerPartition?: number
  fetchMaxWait?: Duration
  /** How long `stop()` may take in all: drain, final commit, onRevoke, leaving the group. Default 30 s. */
  shutdownTimeout?: Duration
  /**
   * How long `start()` may take to join the group and begin fetching. Wrong credentials or TLS
   * settings, a refused port and a silent broker fail sooner (the brokers are checked first, for at
   * most 10 s). Default: rebalanceTimeout + 10 s (a join may wait for the group's other members for
   * up to a rebalance timeout).
   */
  startTimeout?: Duration
  /**
   * How partitions move between members. "eager" (default): every partition is revoked at each
   * rebalance (round-robin). "cooperative": cooperative-sticky, only the partitions that move are
   * revoked, the others are handled on (round-robin is offered too, for a group whose other members
   * are eager). "consumer": the KIP-848 protocol (Kafka 4+), the broker assigns partitions.
   * docs/consumer.md ("Rebalance protocols") says why eager is the default.
   */
  rebalanceProtocol?: RebalanceProtocol
  /** Topics to consume besides those the handlers imply. */
  topics?: readonly string[]
  /** Extra envelope codecs to recognise. */
  codecs?: readonly EnvelopeCodec[]
  /** The schema registry that decodes records in the Confluent wire format (the registry codecs). */
  registry?: SchemaRegistry
  /**
   * How envelopes are read. "tolerant" (default) accepts what Go services write without omitempty
   * or .UTC() and counts it (kafkit.consumer.envelope.tolerated); "strict" dead-letters it.
   */
  decode?: DecodeMode
  /** Create the retry-tier topics on start if missing. Default true. */
  provisionRetryTopics?: boolean
  /**
   * OpenTelemetry spans and metrics through `@opentelemetry/api` (no-ops until the application
   * registers an SDK). Default true; false leaves them out entirely.
   */
  telemetry?: boolean
  /** How often consumer lag is measured (metrics and health). Default 15 s; false turns it off. */
  lagInterval?: Duration | false
  /** Time for every timer of the runtime. Default: real time. For tests (a virtual clock). */
  clock?: Clock
  /** Makes the group members. Default: on the wire client. For tests (an in-memory Kafka). */
  groupMember?: MemberFactory
  /**
   * Makes the producers a transactional consumer commits with. Default: on the wire client. For
   * tests (an in-memory Kafka).
   */
  transactionalProducer?: TransactionalProducerFactory
  /**
   * Consume-transform-produce in one Kafka transaction (docs/exactly-once.md): what handlers publish
   * with `ctx.publish`, their retry-topic and DLQ records, and the offsets of the records that caused
   * them commit together, every commitInterval. Default false (at-least-once).
   */
  transactional?: boolean | TransactionalOptions
  /**
   * "read_committed" (default): records of open or aborted transactions are not read.
   * "read_uncommitted": every record is read as soon as written, aborted ones included.
   */
  isolation?: Isolation
}

export interface TransactionalOptions {
  /**
   * Prefix of the transactional ids (`{id}.{group}`), stable per instance (a pod name, a static
   * member id) and never shared by two live instances. A restarted instance then aborts its dead
   * predecessor's open transaction at once. Default: unique per process.
   */
  id?: string
  /** The transaction timeout: the broker aborts a transaction open longer. Default 60 s. */
  timeout?: Duration
  /** Codec of the events handlers publish (topics that name their own keep it). Default "json". */
  codec?: CodecName | EnvelopeCodec
  /** The largest record a handler may publish (key, value and headers). Default 1 MiB. */
  maxRecordBytes?: number
}

export interface ResolvedTransactions {
  id: string | undefined
  timeoutMs: number
  codec: CodecName | EnvelopeCodec | undefined
  maxRecordBytes: number
}

export interface ResolvedConsumerOptions {
  client: ClientOptions
  catalog: Catalog
  service: string
  group: string
  producer: (EventPublisher & RecordSender) | undefined
  concurrency: number
  ordering: Ordering
  maxInFlight: number
  retry: ResolvedRetry
  handlerTimeoutMs: number
  retryTopicsMs: number[]
  onUnknownType: UnroutedPolicy
  onUnhandled: UnroutedPolicy
  autoOffsetReset: 'earliest' | 'latest' | 'now'
  commitIntervalMs: number
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  rebalanceTimeoutMs: number
  maxPollRecords: number
  fetchMinBytes: number
  fetchMaxBytes: number
  fetchMaxBytesPerPartition: number
  fetchMaxWaitMs: number
  shutdownTimeoutMs: number
  startTimeoutMs: number
  rebalanceProtocol: RebalanceProtocol
  topics: readonly string[]
  codecs: readonly EnvelopeCodec[]
  registry: SchemaRegistry | undefined
  decode: DecodeMode
  provisionRetryTopics: boolean
  telemetry: boolean
  /** 0: lag is not measured. */
  lagIntervalMs: number
  hooks: RunnerHooks
  clock: Clock
  groupMember: MemberFactory | undefined
  transactionalProducer: TransactionalProducerFactory | undefined
  /** Undefined: not transactional. */
  transactional: ResolvedTransactions | undefined
  isolation: Isolation
}

const ORDERINGS: readonly Ordering[] = ['key', 'partition', 'none']
const UNROUTED: readonly UnroutedPolicy[] = ['skip', 'dlq']
const RESETS = ['earliest', 'latest', 'now'] as const
const DECODE_MODES: readonly DecodeMode[] = ['tolerant', 'strict']
const REBALANCE_PROTOCOLS: readonly RebalanceProtocol[] = ['eager', 'cooperative', 'consumer']
const ISOLATIONS: readonly Isolation[] = ['read_committed', 'read_uncommitted']

/**
 * The default bound on records held. A worker can only take a record of a key no other worker
 * holds, so the pool stays busy only while the records it holds span at least `concurrency` keys:
 * with as many keys as workers, records in random key order, `n` records span about
 * `keys × (1 − e^(−n / keys))` of them — 63 % at `n` = `concurrency`, 98 % at 4 ×.
 */
export function defaultMaxInFlight(concurrency: number): number {
  return Math.max(1000, 4 * concurrency)
}

export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  const issues: ValidationIssue[] = []

  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path, message })
  }
  const duration = (value: Duration | undefined, fallback: number, path: string): number => {
    if (value === undefined) return fallback
    const ms = parseDuration(value)
    need(ms !== undefined, path, `"${String(value)}" is not a duration (e.g. 500, "500ms", "30s", "5m")`)
    return ms ?? fallback
  }
  const count = (value: number | undefined, fallback: number, path: string, min = 1): number => {
    need(value === undefined || (Number.isInteger(value) && value >= min), path, `must be an integer >= ${min}`)
    return value ?? fallback
  }
  const oneOf = <T extends string>(value: T | undefined, fallback: T, allowed: readonly T[], path: string): T => {
    need(value === undefined || allowed.includes(value), path, `must be one of ${allowed.join(', ')}`)
    return value ?? fallback
  }

  const retry = resolveRetry(options.retry, issues)
  const concurrency = count(options.concurrency, 10, 'concurrency')
  const resolved: ResolvedConsumerOptions = {
    client: options.client,
    catalog: options.catalog,
    service: options.service,
    group: options.group ?? `${options.service}-group`,
    producer: options.producer,
    concurrency,
    ordering: oneOf(options.ordering, 'key', ORDERINGS, 'ordering'),
    maxInFlight: count(options.maxInFlight, defaultMaxInFlight(concurrency), 'maxInFlight'),
    retry,
    handlerTimeoutMs: duration(options.handlerTimeout, 30_000, 'handlerTimeout'),
    retryTopicsMs: (options.retryTopics ?? []).map((delay, i) => duration(delay, 0, `retryTopics[${i}]`)),
    onUnknownType: oneOf(options.onUnknownType, 'skip', UNROUTED, 'onUnknownType'),
    onUnhandled: oneOf(options.onUnhandled, 'skip', UNROUTED, 'onUnhandled'),
    autoOffsetReset: oneOf(options.autoOffsetReset, 'earliest', RESETS, 'autoOffsetReset'),
    commitIntervalMs: duration(options.commitInterval, 1000, 'commitInterval'),
    sessionTimeoutMs: duration(options.sessionTimeout, 30_000, 'sessionTimeout'),
    heartbeatIntervalMs: duration(options.heartbeatInterval, 10_000, 'heartbeatInterval'),
    rebalanceTimeoutMs: duration(options.rebalanceTimeout, 60_000, 'rebalanceTimeout'),
    maxPollRecords: count(options.maxPollRecords, 100, 'maxPollRecords'),
    fetchMinBytes: count(options.fetchMinBytes, 1, 'fetchMinBytes'),
    fetchMaxBytes: count(options.fetchMaxBytes, 1024 * 1024, 'fetchMaxBytes'),
    fetchMaxBytesPerPartition: count(options.fetchMaxBytesPerPartition, 256 * 1024, 'fetchMaxBytesPerPartition'),
    fetchMaxWaitMs: duration(options.fetchMaxWait, 500, 'fetchMaxWait'),
    shutdownTimeoutMs: duration(options.shutdownTimeout, 30_000, 'shutdownTimeout'),
    startTimeoutMs: 0,
    rebalanceProtocol: oneOf(options.rebalanceProtocol, 'eager', REBALANCE_PROTOCOLS, 'rebalanceProtocol'),
    topics: options.topics ?? [],
    codecs: options.codecs ?? [],
    registry: options.registry,
    decode: oneOf(options.decode, 'tolerant', DECODE_MODES, 'decode'),
    provisionRetryTopics: options.provisionRetryTopics ?? true,
    telemetry: options.telemetry ?? true,
    lagIntervalMs: options.lagInterval === false ? 0 : duration(options.lagInterval, 15_000, 'lagInterval'),
    hooks: {
      ...(options.onAssign && { onAssign: options.onAssign }),
      ...(options.onRevoke && { onRevoke: options.onRevoke }),
    },
    clock: options.clock ?? systemClock,
    groupMember: options.groupMember,
    transactionalProducer: options.transactionalProducer,
    transactional: undefined,
    isolation: oneOf(options.isolation, 'read_committed', ISOLATIONS, 'isolation'),
  }
  const tx = options.transactional
  if (tx) {
    const given = tx === true ? {} : tx
    resolved.transactional = {
      id: given.id,
      timeoutMs: duration(given.timeout, 60_000, 'transactional.timeout'),
      codec: given.codec,
      maxRecordBytes: count(given.maxRecordBytes, 1024 * 1024, 'transactional.maxRecordBytes'),
    }
    need(
      given.id === undefined || (typeof given.id === 'string' && given.id.length > 0),
      'transactional.id',
      'must be a non-empty string',
    )
    need(
      resolved.transactional.timeoutMs > resolved.commitIntervalMs,
      'transactional.timeout',
      'must be longer than commitInterval',
    )
    need(
      resolved.isolation === 'read_committed',
      'isolation',
      'must be read_committed for a transactional consumer (its input may come from transactions too)',
    )
  }

  const o = resolved
  o.startTimeoutMs = duration(options.startTimeout, o.rebalanceTimeoutMs + 10_000, 'startTimeout')
  need(o.startTimeoutMs > 0, 'startTimeout', 'must be more than 0')
  need(typeof o.service === 'string' && o.service.length > 0, 'service', 'must be a non-empty string')
  need(typeof o.group === 'string' && o.group.length > 0, 'group', 'must be a non-empty string')
  need(o.handlerTimeoutMs > 0, 'handlerTimeout', 'must be more than 0')
  need(o.commitIntervalMs > 0, 'commitInterval', 'must be more than 0')
  need(o.fetchMaxBytes >= o.fetchMinBytes, 'fetchMaxBytes', 'must be >= fetchMinBytes')
  need(o.sessionTimeoutMs <= o.rebalanceTimeoutMs, 'rebalanceTimeout', 'must be >= sessionTimeout')
  need(o.heartbeatIntervalMs < o.sessionTimeoutMs, 'heartbeatInterval', 'must be less than sessionTimeout')
  o.retryTopicsMs.forEach((ms, i) => {
    need(ms > 0, `retryTopics[${i}]`, 'must be more than 0')
    // Two tiers with one delay would share one topic (its name holds the delay) and one group.
    need(
      o.retryTopicsMs.indexOf(ms) === i,
      `retryTopics[${i}]`,
      `repeats the delay of retryTopics[${o.retryTopicsMs.indexOf(ms)}]`,
    )
  })
  if (issues.length > 0) throw new ConfigError(`invalid consumer options: ${formatIssues(issues)}`, issues)
  return resolved
}

/** An onBatch registration's batch settings, with kafkit's defaults; fails naming every bad one. */
export function resolveBatchSpec(options: BatchOptions): BatchSpec {
  const issues: ValidationIssue[] = []
  const maxSize = options.maxSize ?? 100
  if (!Number.isInteger(maxSize) || maxSize < 1) issues.push({ path: 'maxSize', message: 'must be an integer >= 1' })
  const maxWaitMs = options.maxWait === undefined ? 100 : parseDuration(options.maxWait)
  if (maxWaitMs === undefined || maxWaitMs < 0)
    issues.push({ path: 'maxWait', message: `"${String(options.maxWait)}" is not a duration (e.g. 50, "100ms", "1s")` })
  const by = options.by ?? 'partition'
  if (by !== 'partition' && by !== 'key') issues.push({ path: 'by', message: 'must be one of partition, key' })
  const onFailure = options.onFailure ?? 'split'
  if (onFailure !== 'split' && onFailure !== 'whole')
    issues.push({ path: 'onFailure', message: 'must be one of split, whole' })
  if (issues.length > 0) throw new ConfigError(`invalid batch options: ${formatIssues(issues)}`, issues)
  return { maxSize, maxWaitMs: maxWaitMs!, by, onFailure }
}
