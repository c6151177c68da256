// Where a record goes when handling gave up: the next retry tier (retryable errors, while tiers
// remain) or the DLQ. The promise settles only once the broker acknowledged the write.
import type { Catalog } from '../catalog/catalog.ts'
import { defineTopic, renderTopicName } from '../catalog/topic.ts'
import type { AnyTopic } from '../catalog/event.ts'
import { errorMessage, isRetryable } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { Escalated } from '../observability/consumer.ts'
import { buildDeadLetterRecord } from '../producer/dead-letter.ts'
import { recordLogFields } from './context.ts'
import type { RecordFailure } from './job.ts'
import { RetryHeaders, tierHeaders, tierOf, tierTopicName } from './tiers.ts'
import type { RecordSender } from './types.ts'

export interface EscalationOptions {
  sender: RecordSender
  catalog: Catalog
  group: string
  service: string
  /** Delays of the retry tiers, in order (empty: no retry topics). */
  tiersMs: readonly number[]
  logger: Logger
  observer?: { onDeadLetter?(failure: RecordFailure): void; onRetryTopic?(failure: RecordFailure, tier: number): void }
}

export type Escalate = (failure: RecordFailure) => Promise<Escalated>

export function createEscalation(options: EscalationOptions): Escalate {
  const topicOf = (name: string): AnyTopic => options.catalog.topic(name) ?? defineTopic({ name })
  return async (failure) => {
    const topic = topicOf(failure.facts.topic)
    const nextTier = tierOf(failure.headers) + 1
    if (isRetryable(failure.error) && nextTier < options.tiersMs.length) {
      const delayMs = options.tiersMs[nextTier]!
      const tierTopic = tierTopicName(topic, options.group, delayMs)
      await options.sender.sendRecords([
        {
          topic: tierTopic,
          key: failure.message.key ?? undefined,
          value: failure.message.value,
          headers: tierHeaders({
            message: failure.message,
            facts: failure.facts,
            tier: nextTier,
            delayMs,
            attempts: failure.attempts,
            firstFailure: failure.firstFailure,
            error: errorMessage(failure.error),
          }),
        },
      ])
      options.observer?.onRetryTopic?.(failure, nextTier)
      options.logger.info(
        { ...recordLogFields(failure.facts, failure.envelope), tier: nextTier, delayMs },
        'record moved to a retry topic',
      )
      return { to: 'retry-topic', topic: tierTopic, tier: nextTier }
    }
    const firstFailure = failure.headers.get(RetryHeaders.firstFailure)
    const dead = buildDeadLetterRecord({
      topic: failure.facts.topic,
      partition: failure.facts.partition,
      offset: failure.facts.offset,
      timestamp: failure.facts.timestamp,
      key: failure.message.key ?? null,
      headers: failure.facts.headers,
      value: failure.message.value ?? null,
      group: options.group,
      service: options.service,
      eventId: failure.envelope?.id,
      eventType: failure.envelope?.type,
      error: failure.error,
      attempts: failure.attempts,
      firstFailure: firstFailure ? new Date(firstFailure) : failure.firstFailure,
      lastFailure: failure.lastFailure,
      includeValue: topic.dlqIncludesValue,
    })
    const dlqTopic = renderTopicName(topic.dlqTemplate, {
      topic: topic.name,
      group: options.group,
      service: options.service,
    })
    await options.sender.sendRecords([{ topic: dlqTopic, key: dead.key, value: dead.value, headers: dead.headers }])
    options.observer?.onDeadLetter?.(failure)
    options.logger.warn(
      {
        ...recordLogFields(failure.facts, failure.envelope),
        dlqTopic,
        attempts: failure.attempts,
        handler: failure.handler,
      },
      `record dead-lettered: ${errorMessage(failure.error)}`,
    )
    return { to: 'dlq', topic: dlqTopic }
  }
}
