// Retry topics with delay tiers: a failed record is re-published to the group's tier topic with a
// due time, handled again (once) when due, then moved to the next tier or the DLQ. Tier topics are
// named with the group (`{topic}.retry.{group}.{delay}`), so no other group ever sees them.
import type { AnyTopic } from '../catalog/event.ts'
import { renderTopicName } from '../catalog/topic.ts'
import { formatDuration } from '../util/duration.ts'
import type { RecordFacts } from './context.ts'
import type { WireMessage } from './job.ts'

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

const RETRY_PREFIX = 'kafkit-retry-'

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

export function priorAttempts(headers: ReadonlyMap<string, string>): number {
  const value = Number(headers.get(RetryHeaders.attempts) ?? 0)
  return Number.isFinite(value) ? value : 0
}

export function dueIn(headers: ReadonlyMap<string, string>, now = Date.now()): number {
  const due = Number(headers.get(RetryHeaders.due) ?? 0)
  return Number.isFinite(due) ? Math.max(0, due - now) : 0
}

/** The facts of the record as first consumed, for a record read back from a tier topic. */
export function originFacts(message: WireMessage, headers: ReadonlyMap<string, string>, group: string): RecordFacts {
  const topic = headers.get(RetryHeaders.originTopic)
  const original = new Map([...headers].filter(([name]) => !name.startsWith(RETRY_PREFIX)))
  return {
    topic: topic ?? message.topic,
    partition: Number(headers.get(RetryHeaders.originPartition) ?? message.partition),
    offset: BigInt(headers.get(RetryHeaders.originOffset) ?? message.offset),
    key: message.key?.toString('utf8'),
    timestamp: new Date(Number(headers.get(RetryHeaders.originTimestamp) ?? message.timestamp)),
    headers: topic ? original : headers,
    group,
    tier: tierOf(headers),
  }
}

export interface TierRecordInput {
  message: WireMessage
  facts: RecordFacts
  tier: number
  delayMs: number
  attempts: number
  firstFailure: Date
  error: string
}

/** Headers of a record written to a tier topic: the original ones plus the retry bookkeeping. */
export function tierHeaders(input: TierRecordInput, now = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of input.facts.headers) if (!name.startsWith(RETRY_PREFIX)) headers[name] = value
  headers[RetryHeaders.tier] = String(input.tier)
  headers[RetryHeaders.due] = String(now + input.delayMs)
  headers[RetryHeaders.attempts] = String(input.attempts)
  headers[RetryHeaders.originTopic] = input.facts.topic
  headers[RetryHeaders.originPartition] = String(input.facts.partition)
  headers[RetryHeaders.originOffset] = input.facts.offset.toString()
  headers[RetryHeaders.originTimestamp] = String(input.facts.timestamp.getTime())
  headers[RetryHeaders.firstFailure] = input.firstFailure.toISOString()
  headers[RetryHeaders.error] = input.error.slice(0, 512)
  return headers
}
