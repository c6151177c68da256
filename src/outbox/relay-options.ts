// The relay's options, their defaults and their validation.
import type { ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { Compression } from '../producer/options.ts'
import { parseDuration, type Duration } from '../util/duration.ts'

export interface RelayOptions {
  /** Kafka connection settings. Default: the outbox's `client`. */
  client?: ClientOptions
  /** Rows per batch (one Kafka request, two statements). Default 500. */
  batchSize?: number
  /** How often to look for rows when no NOTIFY came. Default 1 s. */
  pollInterval?: Duration
  /** A batch is acknowledged within this time or counts as failed. Default 10 s. */
  sendTimeout?: Duration
  /** How often lanes are shared out again among the relays running. Default 2 s. */
  rebalanceInterval?: Duration
  /** How often rows waiting and the oldest's age are measured (metrics, `status()`). Default 5 s. */
  statsInterval?: Duration
  /** Longest wait between attempts while the database or Kafka fails. Default 10 s. */
  maxBackoff?: Duration
  /** How long `start()` may take to connect and take lanes. Default 30 s. */
  startTimeout?: Duration
  /** How long `stop()` lets the batch in progress finish. Default 30 s. */
  stopTimeout?: Duration
  /** A statement unanswered this long counts as a lost connection (the session is replaced). Default 30 s. */
  queryTimeout?: Duration
  compression?: Compression
  logger?: Logger
  /** OpenTelemetry metrics (no-ops until an SDK is registered). Default true. */
  telemetry?: boolean
  /** This relay's name in logs, metrics and the lanes table. Default `<service>-<random>`. */
  id?: string
}

export interface ResolvedRelayOptions {
  batchSize: number
  pollMs: number
  sendTimeoutMs: number
  rebalanceMs: number
  statsMs: number
  maxBackoffMs: number
  startTimeoutMs: number
  stopTimeoutMs: number
  queryTimeoutMs: number
  compression: Compression | undefined
}

export function resolveRelayOptions(options: RelayOptions): ResolvedRelayOptions {
  const resolved: ResolvedRelayOptions = {
    batchSize: options.batchSize ?? 500,
    pollMs: ms(options.pollInterval, 1000, 'pollInterval'),
    sendTimeoutMs: ms(options.sendTimeout, 10_000, 'sendTimeout'),
    rebalanceMs: ms(options.rebalanceInterval, 2000, 'rebalanceInterval'),
    statsMs: ms(options.statsInterval, 5000, 'statsInterval'),
    maxBackoffMs: ms(options.maxBackoff, 10_000, 'maxBackoff'),
    startTimeoutMs: ms(options.startTimeout, 30_000, 'startTimeout'),
    stopTimeoutMs: ms(options.stopTimeout, 30_000, 'stopTimeout'),
    queryTimeoutMs: ms(options.queryTimeout, 30_000, 'queryTimeout'),
    compression: options.compression,
  }
  if (!Number.isInteger(resolved.batchSize) || resolved.batchSize < 1 || resolved.batchSize > 10_000) {
    throw new KafkitError(ErrorCodes.CONFIG_INVALID, 'relay option batchSize: must be an integer in 1..10000')
  }
  return resolved
}

function ms(value: Duration | undefined, fallback: number, name: string): number {
  const parsed = value === undefined ? fallback : parseDuration(value)
  if (parsed === undefined || parsed <= 0) {
    throw new KafkitError(ErrorCodes.CONFIG_INVALID, `relay option ${name}: "${String(value)}" is not a duration`)
  }
  return parsed
}
