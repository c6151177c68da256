// The dead-letter record format, written by the producer (records that can never be written) and
// by the consumer runtime (records that could not be handled). One format, so that DLQ tooling
// reads both. Field names follow the txova DLQ additions (snake_case, like the envelope).
import { DecodeError, KafkitError, errorMessage, isRetryable } from '../errors.ts'

export const DLQ_FORMAT_VERSION = 1
export const DLQ_HEADER_PREFIX = 'kafkit-dlq-'

/** Bounds that keep a DLQ record under the broker's limit whatever failed. */
export const DLQ_LIMITS = {
  errorMessageChars: 4096,
  headerValueChars: 1024,
  headerCount: 64,
  headerErrorMessageChars: 256,
  /** The whole JSON value; the original value is left out when it would not fit. */
  recordBytes: 900 * 1024,
} as const

export interface DeadLetterInput {
  topic: string
  partition?: number | undefined
  offset?: bigint | number | string | undefined
  timestamp?: Date | string | number | bigint | undefined
  key: Buffer | string | null | undefined
  headers: ReadonlyMap<string, string | Buffer> | Readonly<Record<string, string | Buffer>> | undefined
  value: Buffer | null | undefined
  /** The consumer group that failed to handle the record (consumer runtime only). */
  group?: string | undefined
  service: string
  eventId?: string | undefined
  eventType?: string | undefined
  error: unknown
  /** Whether the error itself was retryable (then it was given up after retries). Default: what the error says. */
  retryable?: boolean | undefined
  attempts: number
  firstFailure: Date
  lastFailure: Date
  /** False for topics with sensitive data: the original value is not copied. */
  includeValue: boolean
  /** Override of DLQ_LIMITS.recordBytes (e.g. for a broker with a smaller max.message.bytes). */
  maxBytes?: number
}

/** The JSON value of a dead-letter record. */
export interface DeadLetterRecord {
  kafkit_dlq: number
  original_topic: string
  original_partition?: number
  /** A string: offsets are 64-bit. */
  original_offset?: string
  original_timestamp?: string
  original_key: string | null
  original_key_encoding?: 'base64'
  original_headers: Record<string, string>
  consumer_group?: string
  service: string
  event_id?: string
  event_type?: string
  error_message: string
  error_type: string
  error_code?: string
  retryable: boolean
  attempt_count: number
  first_failure: string
  last_failure: string
  /** How `original_value` holds the value: parsed JSON, base64 bytes, or left out (with the reason). */
  value_encoding: 'json' | 'base64' | 'omitted'
  value_omitted_reason?: 'excluded' | 'too-large' | 'absent'
  original_value?: unknown
}

export interface DeadLetterMessage {
  key: Buffer | undefined
  value: Buffer
  headers: Record<string, string>
}

export function buildDeadLetterRecord(input: DeadLetterInput): DeadLetterMessage {
  const error = describeError(input.error)
  const record: DeadLetterRecord = {
    kafkit_dlq: DLQ_FORMAT_VERSION,
    original_topic: input.topic,
    ...optional('original_partition', input.partition),
    ...optional('original_offset', input.offset === undefined ? undefined : String(input.offset)),
    ...optional('original_timestamp', toIsoTime(input.timestamp)),
    ...encodeKey(input.key),
    original_headers: boundedHeaders(input.headers),
    ...optional('consumer_group', input.group),
    service: input.service,
    ...optional('event_id', input.eventId),
    ...optional('event_type', input.eventType),
    error_message: truncate(error.message, DLQ_LIMITS.errorMessageChars),
    error_type: error.type,
    ...optional('error_code', error.code),
    retryable: input.retryable ?? isRetryable(input.error),
    attempt_count: input.attempts,
    first_failure: input.firstFailure.toISOString(),
    last_failure: input.lastFailure.toISOString(),
    value_encoding: 'omitted',
  }
  const maxBytes = input.maxBytes ?? DLQ_LIMITS.recordBytes
  let value = Buffer.from(JSON.stringify(withValue(record, input)))
  if (value.length > maxBytes) {
    // The original value is the only unbounded field: leave it out rather than lose the record.
    value = Buffer.from(JSON.stringify({ ...record, value_omitted_reason: 'too-large' }))
  }
  const key = input.key === null || input.key === undefined ? undefined : Buffer.from(input.key)
  return { key, value, headers: dlqHeaders(record) }
}

function withValue(record: DeadLetterRecord, input: DeadLetterInput): DeadLetterRecord {
  if (!input.includeValue) return { ...record, value_omitted_reason: 'excluded' }
  if (input.value === null || input.value === undefined) return { ...record, value_omitted_reason: 'absent' }
  if (input.value.length > (input.maxBytes ?? DLQ_LIMITS.recordBytes)) {
    return { ...record, value_omitted_reason: 'too-large' }
  }
  const json = tryParseJson(input.value)
  return json === undefined
    ? { ...record, value_encoding: 'base64', original_value: input.value.toString('base64') }
    : { ...record, value_encoding: 'json', original_value: json }
}

/** Parses a dead-letter record's value (for DLQ tooling and replay). */
export function parseDeadLetterRecord(value: Buffer): DeadLetterRecord {
  const parsed = tryParseJson(value) as Partial<DeadLetterRecord> | undefined
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.kafkit_dlq !== 'number') {
    throw new DecodeError('not a kafkit dead-letter record (no "kafkit_dlq" field)', { retryable: false })
  }
  return parsed as DeadLetterRecord
}

/** The original value's bytes, when the record kept them. */
export function originalValueOf(record: DeadLetterRecord): Buffer | undefined {
  if (record.value_encoding === 'json') return Buffer.from(JSON.stringify(record.original_value))
  if (record.value_encoding === 'base64') return Buffer.from(record.original_value as string, 'base64')
  return undefined
}

function dlqHeaders(record: DeadLetterRecord): Record<string, string> {
  const headers: Record<string, string> = {}
  const set = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) headers[DLQ_HEADER_PREFIX + name] = String(value)
  }
  set('version', record.kafkit_dlq)
  set('original-topic', record.original_topic)
  set('original-partition', record.original_partition)
  set('original-offset', record.original_offset)
  set('consumer-group', record.consumer_group)
  set('service', record.service)
  set('event-id', record.event_id)
  set('event-type', record.event_type)
  set('error-type', record.error_type)
  set('error-code', record.error_code)
  set('error-message', truncate(record.error_message, DLQ_LIMITS.headerErrorMessageChars))
  set('retryable', record.retryable)
  set('attempt-count', record.attempt_count)
  set('first-failure', record.first_failure)
  set('last-failure', record.last_failure)
  return headers
}

function describeError(error: unknown): { message: string; type: string; code: string | undefined } {
  const message = errorMessage(error)
  if (KafkitError.is(error)) return { message, type: error.name, code: error.code }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return { message, type: error.name, code: typeof code === 'string' ? code : undefined }
  }
  return { message, type: typeof error, code: undefined }
}

function encodeKey(
  key: Buffer | string | null | undefined,
): Pick<DeadLetterRecord, 'original_key' | 'original_key_encoding'> {
  if (key === null || key === undefined) return { original_key: null }
  if (typeof key === 'string') return { original_key: key }
  const text = key.toString('utf8')
  // Keys that are not valid UTF-8 would not survive a round trip as text.
  return Buffer.from(text).equals(key)
    ? { original_key: text }
    : { original_key: key.toString('base64'), original_key_encoding: 'base64' }
}

function boundedHeaders(headers: DeadLetterInput['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (!headers) return out
  // Any ReadonlyMap, not only a Map: the consumer's headers are its own lazy view over the record.
  const entries: [string, string | Buffer][] = isMapLike(headers)
    ? [...headers.entries()]
    : Object.entries(headers as Record<string, string | Buffer>)
  for (const [name, value] of entries.slice(0, DLQ_LIMITS.headerCount)) {
    const text = typeof value === 'string' ? value : value.toString('utf8')
    out[truncate(name, DLQ_LIMITS.headerValueChars)] = truncate(text, DLQ_LIMITS.headerValueChars)
  }
  return out
}

function isMapLike(headers: NonNullable<DeadLetterInput['headers']>): headers is ReadonlyMap<string, string | Buffer> {
  return headers instanceof Map || typeof (headers as { entries?: unknown }).entries === 'function'
}

function toIsoTime(value: DeadLetterInput['timestamp']): string | undefined {
  if (value === undefined) return undefined
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'string') return value
  const date = new Date(Number(value))
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

function tryParseJson(value: Buffer): unknown {
  try {
    return JSON.parse(value.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
