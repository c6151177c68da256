// Retry topics with delay tiers: a failed record is re-published to its group's tier topic, the
// original record exactly (key, value and headers) plus the retry bookkeeping headers; it is handled
// again (once) when due, then moved to the next tier or the DLQ. Tier topics are named with the
// group (`{topic}.retry.{group}.{delay}`), so no other group ever sees them.
import type { AnyTopic } from '../catalog/event.ts'
import { renderTopicName } from '../catalog/topic.ts'
import { formatDuration } from '../util/duration.ts'
import type { RecordFacts } from './context.ts'
import { RecordHeaders } from './headers.ts'
import type { FetchedRecord, RecordHeaderEntry } from './member.ts'

export const RetryHeaders = {
  tier: 'kafkit-retry-tier',
  due: 'kafkit-retry-due',
  attempts: 'kafkit-retry-attempts',
  originTopic: 'kafkit-retry-origin-topic',
  originPartition: 'kafkit-retry-origin-partition',
  originOffset: 'kafkit-retry-origin-offset',
  originTimestamp: 'kafkit-retry-origin-timestamp',
  firstFailure: 'kafkit-retry-first-failure',
  error: 'kafkit-retry-error',
} as const

const RETRY_PREFIX = Buffer.from('kafkit-retry-')

export function tierTopicName(topic: AnyTopic, group: string, delayMs: number): string {
  return renderTopicName(topic.retryTemplate, { topic: topic.name, group, delay: formatDuration(delayMs) })
}

/** Consumer group id of a tier's runner (stable, so its offsets survive restarts). */
export function tierGroupId(group: string, delayMs: number): string {
  return `${group}.retry-${formatDuration(delayMs)}`
}

/** The tier a record came from (-1 for records from the source topic). */
export function tierOf(headers: ReadonlyMap<string, string>): number {
  const value = headers.get(RetryHeaders.tier)
  return value === undefined ? -1 : Number(value)
}

/** Attempts made before this delivery (a record from a tier carries them). */
export function priorAttempts(headers: ReadonlyMap<string, string>): number {
  const value = Number(headers.get(RetryHeaders.attempts) ?? 0)
  return Number.isFinite(value) ? value : 0
}

/** When a tier record may be handled (clock ms), if it says. */
export function dueAt(headers: ReadonlyMap<string, string>): number | undefined {
  const due = Number(headers.get(RetryHeaders.due))
  return Number.isFinite(due) ? due : undefined
}

const isRetryHeader = ([name]: RecordHeaderEntry): boolean =>
  name.length > RETRY_PREFIX.length && name.subarray(0, RETRY_PREFIX.length).equals(RETRY_PREFIX)

/**
 * The headers of the original record: a source record's own, all of them; for a record read from a
 * tier, those of the record it copies (the retry bookkeeping left out).
 */
export function originalHeaders(record: FetchedRecord, fromTier: boolean): readonly RecordHeaderEntry[] {
  const entries = record.headerEntries
  return fromTier && entries.some(isRetryHeader) ? entries.filter((entry) => !isRetryHeader(entry)) : entries
}

/**
 * The facts of a record read from its source topic. The key's text and the timestamp's Date are made
 * on first read: with a handler that reads neither, that is two objects less per record.
 */
class SourceFacts implements RecordFacts {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly headers: ReadonlyMap<string, string>
  readonly group: string
  readonly tier = -1
  readonly #record: FetchedRecord
  #key: string | undefined | null = null
  #timestamp: Date | undefined

  constructor(record: FetchedRecord, headers: ReadonlyMap<string, string>, group: string) {
    this.topic = record.topic
    this.partition = record.partition
    this.offset = record.offset
    this.headers = headers
    this.group = group
    this.#record = record
  }

  get key(): string | undefined {
    if (this.#key === null) this.#key = this.#record.key?.toString()
    return this.#key
  }

  get timestamp(): Date {
    this.#timestamp ??= new Date(Number(this.#record.timestamp))
    return this.#timestamp
  }
}

/** The facts of a record read from its source topic. */
export function sourceFacts(record: FetchedRecord, headers: ReadonlyMap<string, string>, group: string): RecordFacts {
  return new SourceFacts(record, headers, group)
}

/** The facts of the record as first consumed, for a record read back from a tier topic. */
export function originFacts(record: FetchedRecord, headers: ReadonlyMap<string, string>, group: string): RecordFacts {
  const topic = headers.get(RetryHeaders.originTopic)
  if (topic === undefined) return sourceFacts(record, headers, group)
  return {
    topic,
    partition: Number(headers.get(RetryHeaders.originPartition) ?? record.partition),
    offset: BigInt(headers.get(RetryHeaders.originOffset) ?? record.offset),
    key: record.key?.toString('utf8'),
    timestamp: new Date(Number(headers.get(RetryHeaders.originTimestamp) ?? record.timestamp)),
    headers: new RecordHeaders(originalHeaders(record, true)),
    group,
    tier: tierOf(headers),
  }
}

export interface TierRecordInput {
  record: FetchedRecord
  facts: RecordFacts
  tier: number
  dueAt: number
  attempts: number
  firstFailure: Date
  error: string
}

/** Headers of a record written to a tier topic: the original ones, then the retry bookkeeping. */
export function tierHeaders(input: TierRecordInput): (readonly [Buffer, Buffer | null])[] {
  const text = (name: string, value: string) => [Buffer.from(name), Buffer.from(value)] as const
  return [
    ...originalHeaders(input.record, input.facts.tier >= 0).map(([name, value]) => [name, value ?? null] as const),
    text(RetryHeaders.tier, String(input.tier)),
    text(RetryHeaders.due, String(input.dueAt)),
    text(RetryHeaders.attempts, String(input.attempts)),
    text(RetryHeaders.originTopic, input.facts.topic),
    text(RetryHeaders.originPartition, String(input.facts.partition)),
    text(RetryHeaders.originOffset, input.facts.offset.toString()),
    text(RetryHeaders.originTimestamp, String(input.facts.timestamp.getTime())),
    text(RetryHeaders.firstFailure, input.firstFailure.toISOString()),
    text(RetryHeaders.error, input.error.slice(0, 512)),
  ]
}
