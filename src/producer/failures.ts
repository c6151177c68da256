// Turns wire-client failures and deadlines into kafkit's typed PublishErrors, and decides which
// failures are permanent for the record (so that it may go to the DLQ instead).
import { findErrorBy } from '@platformatic/kafka'
import { connectionError, diagnose } from '../cluster/diagnose.ts'
import { ErrorCodes, KafkitError, PublishError, errorMessage } from '../errors.ts'

/** What is known about the record that failed, for messages and logs. */
export interface FailedRecordFacts {
  topic: string
  eventId?: string | undefined
  eventType?: string | undefined
}

function subject(facts: FailedRecordFacts): string {
  if (facts.eventType !== undefined) return `${facts.eventType} ${facts.eventId ?? ''} to ${facts.topic}`
  return `a record to ${facts.topic}`
}

function detailsOf(facts: FailedRecordFacts, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const details: Record<string, unknown> = { topic: facts.topic, ...extra }
  if (facts.eventId !== undefined) details['eventId'] = facts.eventId
  if (facts.eventType !== undefined) details['eventType'] = facts.eventType
  return details
}

/** The innermost message of a wire error ("produce failed 4 times." says little on its own). */
export function wireErrorMessage(error: unknown): string {
  let current: unknown = error
  const parts: string[] = []
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    parts.push(current.message)
    const nested: unknown =
      current instanceof AggregateError && current.errors.length > 0 ? current.errors.at(-1) : current.cause
    current = nested
  }
  return parts.length > 0 ? [...new Set(parts)].join(': ') : errorMessage(error)
}

function wireFinds(error: unknown, property: string, value: unknown): boolean {
  return error instanceof Error && findErrorBy(error, property, value) !== null
}

/** A failed wire send, as a PublishError for one of its records. */
export function publishErrorFromWire(error: unknown, facts: FailedRecordFacts): PublishError {
  if (wireFinds(error, 'apiId', 'MESSAGE_TOO_LARGE') || wireFinds(error, 'apiId', 'RECORD_LIST_TOO_LARGE')) {
    return new PublishError(ErrorCodes.RECORD_TOO_LARGE, `the broker rejected ${subject(facts)} as too large`, {
      cause: error,
      retryable: false,
      details: detailsOf(facts, { permanent: true }),
    })
  }
  if (wireFinds(error, 'apiId', 'INVALID_RECORD') || wireFinds(error, 'apiId', 'CORRUPT_MESSAGE')) {
    return new PublishError(
      ErrorCodes.PUBLISH_FAILED,
      `the broker rejected ${subject(facts)} as invalid: ${wireErrorMessage(error)}`,
      { cause: error, retryable: false, details: detailsOf(facts, { permanent: true }) },
    )
  }
  if (wireFinds(error, 'code', 'PLT_KFK_NETWORK')) {
    // Connection lost or request timed out: the broker may have written the record.
    const message = `publishing ${subject(facts)} failed: ${wireErrorMessage(error)} (the outcome is unknown: it may have been written)`
    return new PublishError(ErrorCodes.PUBLISH_FAILED, message, {
      cause: error,
      retryable: true,
      details: detailsOf(facts),
    })
  }
  if (wireFinds(error, 'apiId', 'NOT_LEADER_OR_FOLLOWER') || wireFinds(error, 'apiId', 'FENCED_LEADER_EPOCH')) {
    // The partition moved while the request was out: an earlier attempt may have been written.
    const message = `publishing ${subject(facts)} failed: ${wireErrorMessage(error)} (its partition moved to another leader: the outcome is unknown, it may have been written)`
    return new PublishError(ErrorCodes.PUBLISH_FAILED, message, {
      cause: error,
      retryable: true,
      details: detailsOf(facts),
    })
  }
  const unknownTopic =
    wireFinds(error, 'apiId', 'UNKNOWN_TOPIC_OR_PARTITION') || /^Unknown topic/.test(errorMessage(error))
  // A wire error is retriable unless some error in its chain says it cannot be retried.
  const retryable = !unknownTopic && !wireFinds(error, 'canRetry', false)
  const hint = unknownTopic ? ' (does the topic exist? kafkit does not create topics when publishing)' : ''
  return new PublishError(
    ErrorCodes.PUBLISH_FAILED,
    `publishing ${subject(facts)} failed: ${wireErrorMessage(error)}${hint}`,
    {
      cause: error,
      retryable,
      details: detailsOf(facts),
    },
  )
}

/**
 * The deadline passed. `sent` says whether the record was handed to the wire client: if not, it
 * was certainly not written; if so, the broker may still have written it.
 */
export function timeoutError(
  facts: FailedRecordFacts,
  deadlineMs: number,
  sent: boolean,
  problem?: KafkitError,
): PublishError {
  const why = problem ? problem.message : sent ? 'the broker did not answer in time' : 'the producer was backlogged'
  const message = sent
    ? `no acknowledgement for ${subject(facts)} within ${deadlineMs} ms (${why}): the outcome is unknown, the record may still be written (consumers de-duplicate by event id)`
    : `${subject(facts)} was not sent within ${deadlineMs} ms (${why}): it was not written`
  return new PublishError(ErrorCodes.PUBLISH_TIMEOUT, message, {
    retryable: true,
    ...(problem && { cause: problem }),
    details: detailsOf(facts, {
      deadlineMs,
      sent,
      ...(problem && { brokers: problem.details['brokers'], failure: problem.details['failure'] }),
    }),
  })
}

export function recordTooLargeError(facts: FailedRecordFacts, bytes: number, maxBytes: number): PublishError {
  return new PublishError(
    ErrorCodes.RECORD_TOO_LARGE,
    `${subject(facts)} is ${bytes} bytes, over the producer's maxRecordBytes (${maxBytes}): it was not sent`,
    { retryable: false, details: detailsOf(facts, { bytes, maxBytes, permanent: true }) },
  )
}

export function invalidPartitionError(facts: FailedRecordFacts, partition: number, partitions: number): PublishError {
  return new PublishError(
    ErrorCodes.PUBLISH_FAILED,
    `${subject(facts)}: partition ${partition} does not exist (the topic has ${partitions}): it was not sent`,
    { retryable: false, details: detailsOf(facts, { partition, partitions }) },
  )
}

/** The topic's own partition function threw, or returned no partition of the topic. */
export function partitionerError(facts: FailedRecordFacts, partitions: number, result: unknown): PublishError {
  const threw = result instanceof Error
  const what = threw ? `threw: ${errorMessage(result)}` : `returned ${String(result)}`
  return new PublishError(
    ErrorCodes.PUBLISH_FAILED,
    `${subject(facts)}: the topic's partitioner ${what} (the topic has ${partitions} partitions): it was not sent`,
    { retryable: false, details: detailsOf(facts, { partitions }), ...(threw && { cause: result }) },
  )
}

export function closedError(): PublishError {
  return new PublishError(ErrorCodes.PRODUCER_CLOSED, 'the producer is closed (or closing): nothing was sent', {
    retryable: false,
  })
}

export function bufferFullError(limit: number): PublishError {
  return new PublishError(
    ErrorCodes.PRODUCER_BUFFER_FULL,
    `the producer already holds ${limit} unsent async records (maxBufferedRecords): nothing was sent; retry after a delivery or flush()`,
    { retryable: true, details: { maxBufferedRecords: limit } },
  )
}

const PERMANENT_CODES = new Set<string>([
  ErrorCodes.PAYLOAD_INVALID,
  ErrorCodes.ENVELOPE_INVALID,
  ErrorCodes.ENCODE_FAILED,
])

/** Failures retrying cannot fix for this record: bad input, or a record the broker will never take. */
export function isPermanentRecordFailure(error: unknown): boolean {
  if (!KafkitError.is(error)) return false
  return PERMANENT_CODES.has(error.code) || error.details['permanent'] === true
}

/** A record that cannot be sent: the cluster refused the credentials or TLS failed. */
export function notSentError(facts: FailedRecordFacts, failure: KafkitError): PublishError {
  return new PublishError(failure.code, `${subject(facts)} was not sent: ${failure.message}`, {
    cause: failure,
    retryable: failure.retryable,
    details: { ...failure.details, ...detailsOf(facts) },
  })
}

/** Why records behind a stalled request wait: the broker it went to. */
export function silentBrokerError(name: string, ms: number): KafkitError {
  const detail = `a produce request waited over ${ms} ms`
  return connectionError('producing', { failure: 'no-answer', detail, brokers: [name] }, [name])
}

/** Why records wait for their topic's partitions: no broker answered the metadata request yet. */
export function noMetadataError(brokers: string[]): KafkitError {
  const diagnosis = { failure: 'no-answer' as const, detail: 'no metadata for the topic yet', brokers }
  return connectionError('fetching metadata', diagnosis, brokers)
}

/** The idempotent producer could not get its producer id: nothing was sent. */
export function producerIdError(facts: FailedRecordFacts, error: unknown): PublishError {
  const diagnosis = diagnose(error)
  if (diagnosis) return notSentError(facts, connectionError('getting a producer id', diagnosis, []))
  return new PublishError(
    ErrorCodes.PUBLISH_FAILED,
    `${subject(facts)} was not sent: no producer id: ${wireErrorMessage(error)}`,
    { cause: error, retryable: !wireFinds(error, 'canRetry', false), details: detailsOf(facts, { sent: false }) },
  )
}
