// The stage after handling gave up: the record goes to the next retry tier (a retryable error, while
// tiers remain) or to the DLQ, as the original record exactly with headers describing the failure.
// The promise settles only once the broker acknowledged the write: then the record is done.
import type { Catalog } from '../catalog/catalog.ts'
import type { AnyTopic } from '../catalog/event.ts'
import { defineTopic, renderTopicName } from '../catalog/topic.ts'
import { buildDeadLetterRecord, type DeadLetterInput } from '../dlq/format.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, KafkitError, errorMessage, isRetryable } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { Escalated } from '../observability/consumer.ts'
import type { Clock } from '../util/clock.ts'
import { recordLogFields, type RecordFacts } from './context.ts'
import type { FetchedRecord } from './member.ts'
import { RetryHeaders, originalHeaders, tierHeaders, tierOf, tierTopicName } from './tiers.ts'
import type { RecordSender } from './types.ts'

/** What the escalation stage needs to know about a record that could not be handled. */
export interface RecordFailure {
  record: FetchedRecord
  facts: RecordFacts
  /** Every header of the record as consumed (for a tier record, with its retry bookkeeping). */
  headers: ReadonlyMap<string, string>
  envelope: Envelope | undefined
  error: unknown
  handler: string | undefined
  attempts: number
  firstFailure: Date
  lastFailure: Date
}

export interface EscalationOptions {
  /** Writes tier and DLQ records; without one, failures cannot be written away (and stay uncommitted). */
  sender: RecordSender | undefined
  /** A transactional consumer's: writes a record's failure into the transaction of its offset. */
  stage?: { sender(record: FetchedRecord): RecordSender; readonly maxRecordBytes: number } | undefined
  catalog: Catalog
  group: string
  service: string
  /** Delays of the retry tiers, in order (empty: no retry topics). */
  tiersMs: readonly number[]
  logger: Logger
  clock: Clock
}

export type Escalate = (failure: RecordFailure) => Promise<Escalated>

/** Room kept in a record for the batch around it, under the sender's record limit. */
const BATCH_ROOM = 128

export function createEscalation(options: EscalationOptions): Escalate {
  const { sender, stage } = options
  if (!sender && !stage) {
    return () =>
      Promise.reject(
        new KafkitError(ErrorCodes.DLQ_WRITE_FAILED, 'this consumer has no producer to write the DLQ with', {
          retryable: true,
        }),
      )
  }
  const topicOf = (name: string): AnyTopic => options.catalog.topic(name) ?? defineTopic({ name })
  const limit = stage ? stage.maxRecordBytes : sender!.maxRecordBytes
  const maxBytes = limit === undefined ? undefined : limit - BATCH_ROOM
  const senderOf = (failure: RecordFailure): RecordSender => (stage ? stage.sender(failure.record) : sender!)

  const toTier = async (failure: RecordFailure, topic: AnyTopic, tier: number): Promise<Escalated> => {
    const delayMs = options.tiersMs[tier]!
    const tierTopic = tierTopicName(topic, options.group, delayMs)
    await senderOf(failure).sendRecords([
      {
        topic: tierTopic,
        key: failure.record.key ?? undefined,
        value: failure.record.value ?? null,
        headers: tierHeaders({
          record: failure.record,
          facts: failure.facts,
          tier,
          dueAt: options.clock.now() + delayMs,
          attempts: failure.attempts,
          firstFailure: failure.firstFailure,
          error: errorMessage(failure.error),
        }),
      },
    ])
    options.logger.info(
      { ...recordLogFields(failure.facts, failure.envelope), tier, delayMs },
      'record moved to a retry topic',
    )
    return { to: 'retry-topic', topic: tierTopic, tier }
  }

  const toDlq = async (failure: RecordFailure, topic: AnyTopic): Promise<Escalated> => {
    const dlqTopic = renderTopicName(topic.dlqTemplate, {
      topic: topic.name,
      group: options.group,
      service: options.service,
    })
    const firstFailure = failure.headers.get(RetryHeaders.firstFailure)
    const input: DeadLetterInput = {
      topic: failure.facts.topic,
      partition: failure.facts.partition,
      offset: failure.facts.offset,
      timestamp: failure.facts.timestamp,
      key: failure.record.key,
      value: failure.record.value,
      headers: originalHeaders(failure.record, failure.facts.tier >= 0),
      group: options.group,
      service: options.service,
      eventId: failure.envelope?.id,
      eventType: failure.envelope?.type,
      handler: failure.handler,
      error: failure.error,
      attempts: failure.attempts,
      firstFailure: firstFailure ? new Date(firstFailure) : failure.firstFailure,
      lastFailure: failure.lastFailure,
      includeValue: topic.dlqIncludesValue,
      maxBytes,
    }
    const send = (dead: ReturnType<typeof buildDeadLetterRecord>) =>
      senderOf(failure).sendRecords([{ topic: dlqTopic, key: dead.key, value: dead.value, headers: dead.headers }])
    try {
      await send(buildDeadLetterRecord(input))
    } catch (error) {
      // The broker's limit for the DLQ topic is below the sender's: keep the failure, leave the
      // original's value and headers out, and say so in the record.
      if (!(KafkitError.is(error) && error.code === ErrorCodes.RECORD_TOO_LARGE)) throw error
      await send(buildDeadLetterRecord({ ...input, maxBytes: 0 }))
    }
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

  return async (failure) => {
    const topic = topicOf(failure.facts.topic)
    const nextTier = tierOf(failure.headers) + 1
    if (isRetryable(failure.error) && nextTier < options.tiersMs.length) {
      try {
        return await toTier(failure, topic, nextTier)
      } catch (error) {
        // A record that fits no tier topic can still be dead-lettered (its value left out).
        if (!(KafkitError.is(error) && error.code === ErrorCodes.RECORD_TOO_LARGE)) throw error
      }
    }
    return toDlq(failure, topic)
  }
}
