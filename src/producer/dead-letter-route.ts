// Dead-lettering on the producer side (opt-in `deadLetter: true`): a record that can never be
// written to its topic (invalid, too large) is written to the topic's DLQ as a failure record,
// and its publish resolves as 'dead-lettered'. If the DLQ write fails, the publish fails with the
// original error.
import { dlqTopicOf } from '../catalog/topic.ts'
import { errorMessage, type KafkitError } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import { buildDeadLetterRecord } from '../dlq/format.ts'
import { BATCH_OVERHEAD, OutgoingRecord } from './record.ts'
import type { Sender } from './sender.ts'
import type { DeadLetteredResult, RecordMetadata } from './types.ts'

export class DeadLetters {
  readonly #service: string
  /** The largest failure record this producer can send. */
  readonly #maxBytes: number
  readonly #log: Logger
  readonly #sender: Sender

  constructor(service: string, maxRecordBytes: number, log: Logger, sender: Sender) {
    this.#service = service
    this.#maxBytes = maxRecordBytes - BATCH_OVERHEAD
    this.#log = log
    this.#sender = sender
  }

  /** Sends a failure record in place of `record`; false when that cannot be done (it then fails). */
  route(record: OutgoingRecord, error: KafkitError): boolean {
    const event = record.event!
    const remaining = record.deadline - Date.now()
    let dlqTopic: string
    try {
      dlqTopic = dlqTopicOf(event.topic, { service: this.#service })
    } catch (err) {
      this.#log.error({ eventId: record.eventId, topic: record.topic, error: errorMessage(err) }, 'no DLQ topic name')
      return false
    }
    if (remaining <= 0) return false
    const now = new Date()
    const message = buildDeadLetterRecord({
      topic: record.topic,
      // A record refused before it was encoded has its key as text only.
      key: record.key ?? record.keyText,
      headers: record.headers,
      // An empty value is one that could not be encoded: there is none to keep.
      value: record.value !== null && record.value.length > 0 ? record.value : null,
      service: this.#service,
      eventId: record.eventId,
      eventType: event.type,
      error,
      attempts: 1,
      firstFailure: now,
      lastFailure: now,
      includeValue: event.topic.dlqIncludesValue,
      maxBytes: this.#maxBytes,
    })
    const dlq = new OutgoingRecord(
      dlqTopic,
      message.key,
      message.value,
      // A Buffer object per header: repeated names stay separate headers.
      new Map(message.headers.map(([name, value]) => [Buffer.from(name), value])),
      undefined,
      undefined,
      remaining,
      record.sink,
    )
    dlq.replaces = record
    dlq.replacedError = error
    dlq.handle = record.handle
    dlq.slot = record.slot
    dlq.epoch = record.epoch
    dlq.event = record.event
    dlq.eventId = record.eventId
    dlq.correlationId = record.correlationId
    dlq.keyText = record.keyText
    this.#sender.enqueue(dlq)
    return true
  }

  /** The publish result of a record whose failure record was written. */
  result(dlq: OutgoingRecord, metadata: RecordMetadata): DeadLetteredResult {
    const original = dlq.replaces!
    const error = dlq.replacedError!
    this.#log.warn(
      {
        eventId: dlq.eventId,
        eventType: dlq.eventType,
        topic: original.topic,
        dlqTopic: metadata.topic,
        correlationId: dlq.correlationId,
        code: error.code,
        error: error.message,
      },
      'event dead-lettered: it can never be written to its topic',
    )
    return {
      status: 'dead-lettered',
      topic: metadata.topic,
      partition: metadata.partition,
      offset: metadata.offset,
      eventId: dlq.eventId!,
      key: dlq.keyText,
      originalTopic: original.topic,
      error,
    }
  }

  /** The DLQ write failed: the publish fails with the original error (the DLQ error is logged). */
  failed(dlq: OutgoingRecord, dlqError: KafkitError): KafkitError {
    this.#log.error(
      { eventId: dlq.eventId, dlqTopic: dlq.topic, code: dlqError.code, error: dlqError.message },
      'writing to the DLQ failed',
    )
    return dlq.replacedError!
  }
}
