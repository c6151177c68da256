// The dead-letter record, format 2. A failure record IS the original record: its key, its value
// bytes and every one of its headers (names and values as bytes, in order, duplicates kept), with
// headers that describe the failure appended after them, all named `kafkit-dlq-*`. kcat or a Java
// or Go consumer reads it as it is; replay drops the `kafkit-dlq-*` headers and writes the original
// again, byte for byte. Written by the consumer runtime (records that could not be handled) and the
// producer (records that can never be written). Format 1 (a JSON value wrapping the original, which
// lost headers and number formats) is still read.
import { DecodeError, KafkitError, errorMessage, isRetryable } from '../errors.ts'

export const DLQ_FORMAT_VERSION = 2
export const DLQ_HEADER_PREFIX = 'kafkit-dlq-'

/** The failure headers, appended after the original record's own headers. */
export const DlqHeaders = {
  version: 'kafkit-dlq-version',
  originalTopic: 'kafkit-dlq-original-topic',
  originalPartition: 'kafkit-dlq-original-partition',
  originalOffset: 'kafkit-dlq-original-offset',
  originalTimestamp: 'kafkit-dlq-original-timestamp',
  group: 'kafkit-dlq-consumer-group',
  service: 'kafkit-dlq-service',
  eventId: 'kafkit-dlq-event-id',
  eventType: 'kafkit-dlq-event-type',
  handler: 'kafkit-dlq-handler',
  errorMessage: 'kafkit-dlq-error-message',
  errorType: 'kafkit-dlq-error-type',
  errorCode: 'kafkit-dlq-error-code',
  retryable: 'kafkit-dlq-retryable',
  attempts: 'kafkit-dlq-attempt-count',
  firstFailure: 'kafkit-dlq-first-failure',
  lastFailure: 'kafkit-dlq-last-failure',
  /** Set when the value was left out: `excluded` (the topic keeps no values) or `too-large`. */
  valueOmitted: 'kafkit-dlq-value-omitted',
  /** The size of a value left out, in bytes. */
  valueBytes: 'kafkit-dlq-value-bytes',
  /** Set to `too-large` when the original headers had to be left out too. */
  headersOmitted: 'kafkit-dlq-headers-omitted',
} as const

export const DLQ_LIMITS = {
  /** The failure's message, in characters; other failure headers are short by nature. */
  errorMessageChars: 4096,
  /** The largest failure record, unless the writer says otherwise (its producer's record limit). */
  recordBytes: 1024 * 1024 - 1024,
} as const

/** A header as Kafka holds it: a name and a value, both bytes; the value may be null. */
export type HeaderEntry = readonly [Buffer, Buffer | null]

/** Headers in any of the shapes kafkit meets them: entries in order, a Map, or a plain object. */
export type HeadersInput =
  Iterable<readonly [Buffer | string, Buffer | string | null | undefined]> | Readonly<Record<string, string | Buffer>>

export type ValueOmitted = 'excluded' | 'too-large'

export interface DeadLetterInput {
  topic: string
  partition?: number | undefined
  offset?: bigint | number | string | undefined
  timestamp?: Date | number | bigint | undefined
  key: Buffer | string | null | undefined
  /** Null or undefined: the original record had no value (a tombstone). */
  value: Buffer | null | undefined
  headers: HeadersInput | undefined
  /** The consumer group that failed to handle the record (consumer runtime only). */
  group?: string | undefined
  service: string
  eventId?: string | undefined
  eventType?: string | undefined
  /** The handler that failed, when one did. */
  handler?: string | undefined
  error: unknown
  /** Whether the error itself was retryable (then it was given up after retries). Default: what the error says. */
  retryable?: boolean | undefined
  attempts: number
  firstFailure: Date
  lastFailure: Date
  /** False for topics with sensitive data: the value is left out (and the record says so). */
  includeValue: boolean
  /** The largest record the writer may send (default DLQ_LIMITS.recordBytes). */
  maxBytes?: number | undefined
}

/** A failure record, ready to be written to the DLQ topic. */
export interface DeadLetterMessage {
  key: Buffer | undefined
  value: Buffer | null
  headers: HeaderEntry[]
}

export function buildDeadLetterRecord(input: DeadLetterInput): DeadLetterMessage {
  const key = input.key === null || input.key === undefined ? undefined : Buffer.from(input.key)
  const original = headerEntries(input.headers)
  const failure = failureHeaders(input)
  const maxBytes = input.maxBytes ?? DLQ_LIMITS.recordBytes
  let value = input.value ?? null
  if (value !== null && !input.includeValue) {
    failure.push(...omittedValue('excluded', value))
    value = null
  }
  if (value !== null && recordBytes(key, value, original, failure) > maxBytes) {
    // Never cut the original: leave the value out whole, and say so.
    failure.push(...omittedValue('too-large', value))
    value = null
  }
  if (recordBytes(key, value, original, failure) > maxBytes) {
    failure.push(header(DlqHeaders.headersOmitted, 'too-large'))
    return { key, value, headers: failure }
  }
  return { key, value, headers: [...original, ...failure] }
}

function omittedValue(reason: ValueOmitted, value: Buffer): HeaderEntry[] {
  return [header(DlqHeaders.valueOmitted, reason), header(DlqHeaders.valueBytes, String(value.length))]
}

function failureHeaders(input: DeadLetterInput): HeaderEntry[] {
  const error = describeError(input.error)
  const out: HeaderEntry[] = []
  const set = (name: string, value: string | number | bigint | boolean | undefined) => {
    if (value !== undefined) out.push(header(name, String(value)))
  }
  set(DlqHeaders.version, DLQ_FORMAT_VERSION)
  set(DlqHeaders.originalTopic, input.topic)
  set(DlqHeaders.originalPartition, input.partition)
  set(DlqHeaders.originalOffset, input.offset === undefined ? undefined : String(input.offset))
  set(DlqHeaders.originalTimestamp, isoTime(input.timestamp))
  set(DlqHeaders.group, input.group)
  set(DlqHeaders.service, input.service)
  set(DlqHeaders.eventId, input.eventId)
  set(DlqHeaders.eventType, input.eventType)
  set(DlqHeaders.handler, input.handler)
  set(DlqHeaders.errorMessage, truncate(error.message, DLQ_LIMITS.errorMessageChars))
  set(DlqHeaders.errorType, error.type)
  set(DlqHeaders.errorCode, error.code)
  set(DlqHeaders.retryable, input.retryable ?? isRetryable(input.error))
  set(DlqHeaders.attempts, input.attempts)
  set(DlqHeaders.firstFailure, input.firstFailure.toISOString())
  set(DlqHeaders.lastFailure, input.lastFailure.toISOString())
  return out
}

/** Bytes a record takes in a batch, counting every varint at its widest. */
function recordBytes(key: Buffer | undefined, value: Buffer | null, ...lists: (readonly HeaderEntry[])[]): number {
  let bytes = 32 + (key?.length ?? 0) + (value?.length ?? 0)
  for (const list of lists)
    for (const [name, headerValue] of list) bytes += 10 + name.length + (headerValue?.length ?? 0)
  return bytes
}

/** What a failure record says about the failure (both formats read into this shape). */
export interface DeadLetterRecord {
  /** The format: 1 (JSON value) or 2 (the original record with failure headers). */
  kafkit_dlq: number
  original_topic: string
  original_partition?: number
  /** A string: offsets are 64-bit. */
  original_offset?: string
  original_timestamp?: string
  /** The key as text, or base64 when it is not UTF-8 (`original_key_encoding`). A view: `original.key` has the bytes. */
  original_key: string | null
  original_key_encoding?: 'base64'
  /** The headers as text, the last of duplicates winning. A view: `original.headers` has them all, as bytes. */
  original_headers: Record<string, string>
  consumer_group?: string
  service: string
  event_id?: string
  event_type?: string
  handler?: string
  error_message: string
  error_type: string
  error_code?: string
  /** Whether the error was retryable: true means it was given up after its retries, false that retrying could not help. */
  retryable: boolean
  attempt_count: number
  first_failure: string
  last_failure: string
  /**
   * How `original_value` shows the value: parsed JSON, base64 bytes, or left out
   * (`value_omitted_reason`). A view for people; replay uses `original.value`.
   */
  value_encoding: 'json' | 'base64' | 'omitted'
  value_omitted_reason?: 'excluded' | 'too-large' | 'absent'
  original_value?: unknown
}

/** The original record a failure record holds. */
export interface OriginalRecord {
  key: Buffer | null
  /** Null for a tombstone, and when the value was left out (`valueOmitted`). */
  value: Buffer | null
  /** Every header, in order (empty when `headersOmitted`). */
  headers: HeaderEntry[]
  valueOmitted?: ValueOmitted
  headersOmitted?: 'too-large'
  /** False for format 1 records, which kept the value as re-serialised JSON and the headers as text. */
  exact: boolean
}

export interface DeadLetter {
  record: DeadLetterRecord
  original: OriginalRecord
}

/** Reads a failure record of either format, as it was consumed from the DLQ topic. */
export function readDeadLetterRecord(message: {
  key?: Buffer | null | undefined
  value: Buffer | null | undefined
  headers?: HeadersInput | undefined
}): DeadLetter {
  const entries = headerEntries(message.headers)
  const version = textOf(entries, DlqHeaders.version)
  if (version !== undefined && Number(version) >= 2)
    return readFormat2(message.key ?? null, message.value ?? null, entries)
  return readFormat1(message.value ?? null)
}

function readFormat2(key: Buffer | null, value: Buffer | null, entries: HeaderEntry[]): DeadLetter {
  const get = (name: string) => textOf(entries, name)
  const required = (name: string) => {
    const text = get(name)
    if (text === undefined) throw new DecodeError(`a kafkit dead-letter record without its ${name} header`)
    return text
  }
  const headers = entries.filter(([name]) => !name.toString('latin1').startsWith(DLQ_HEADER_PREFIX))
  const valueOmitted = get(DlqHeaders.valueOmitted) as ValueOmitted | undefined
  const headersOmitted = get(DlqHeaders.headersOmitted) === 'too-large' ? ('too-large' as const) : undefined
  const partition = get(DlqHeaders.originalPartition)
  const record: DeadLetterRecord = {
    kafkit_dlq: Number(required(DlqHeaders.version)),
    original_topic: required(DlqHeaders.originalTopic),
    ...optional('original_partition', partition === undefined ? undefined : Number(partition)),
    ...optional('original_offset', get(DlqHeaders.originalOffset)),
    ...optional('original_timestamp', get(DlqHeaders.originalTimestamp)),
    ...keyView(key),
    original_headers: headersView(headers),
    ...optional('consumer_group', get(DlqHeaders.group)),
    service: get(DlqHeaders.service) ?? '',
    ...optional('event_id', get(DlqHeaders.eventId)),
    ...optional('event_type', get(DlqHeaders.eventType)),
    ...optional('handler', get(DlqHeaders.handler)),
    error_message: get(DlqHeaders.errorMessage) ?? '',
    error_type: get(DlqHeaders.errorType) ?? '',
    ...optional('error_code', get(DlqHeaders.errorCode)),
    retryable: get(DlqHeaders.retryable) === 'true',
    attempt_count: Number(get(DlqHeaders.attempts) ?? 0),
    first_failure: get(DlqHeaders.firstFailure) ?? '',
    last_failure: get(DlqHeaders.lastFailure) ?? '',
    ...valueView(value, valueOmitted),
  }
  const original: OriginalRecord = { key, value, headers, exact: true }
  if (valueOmitted !== undefined) original.valueOmitted = valueOmitted
  if (headersOmitted !== undefined) original.headersOmitted = headersOmitted
  return { record, original }
}

/** Format 1: the value was a JSON document that wrapped the original. */
function readFormat1(value: Buffer | null): DeadLetter {
  const parsed = value === null ? undefined : (tryParseJson(value) as Partial<DeadLetterRecord> | undefined)
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.kafkit_dlq !== 'number') {
    throw new DecodeError('not a kafkit dead-letter record (no kafkit-dlq-version header, no "kafkit_dlq" field)', {
      retryable: false,
    })
  }
  const record = parsed as DeadLetterRecord
  const key =
    record.original_key === null
      ? null
      : Buffer.from(record.original_key, record.original_key_encoding === 'base64' ? 'base64' : 'utf8')
  const original: OriginalRecord = {
    key,
    value:
      record.value_encoding === 'json'
        ? Buffer.from(JSON.stringify(record.original_value))
        : record.value_encoding === 'base64'
          ? Buffer.from(record.original_value as string, 'base64')
          : null,
    headers: Object.entries(record.original_headers ?? {}).map(([name, v]) => header(name, v)),
    exact: false,
  }
  if (record.value_omitted_reason === 'excluded' || record.value_omitted_reason === 'too-large')
    original.valueOmitted = record.value_omitted_reason
  return { record, original }
}

/** Headers of any input shape as entries of bytes, in order. */
export function headerEntries(headers: HeadersInput | undefined): HeaderEntry[] {
  if (headers === undefined) return []
  const pairs: Iterable<readonly [Buffer | string, Buffer | string | null | undefined]> =
    Symbol.iterator in headers
      ? (headers as Iterable<readonly [Buffer | string, Buffer | string | null | undefined]>)
      : Object.entries(headers)
  const out: HeaderEntry[] = []
  for (const [name, value] of pairs) {
    out.push([
      typeof name === 'string' ? Buffer.from(name) : name,
      value === null || value === undefined ? null : typeof value === 'string' ? Buffer.from(value) : value,
    ])
  }
  return out
}

function header(name: string, value: string): HeaderEntry {
  return [Buffer.from(name), Buffer.from(value)]
}

function textOf(entries: readonly HeaderEntry[], name: string): string | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const [key, value] = entries[i]!
    if (key.length === name.length && key.toString('latin1') === name) return value?.toString('utf8')
  }
  return undefined
}

function keyView(key: Buffer | null): Pick<DeadLetterRecord, 'original_key' | 'original_key_encoding'> {
  if (key === null) return { original_key: null }
  const text = key.toString('utf8')
  // A key that is not valid UTF-8 would not survive as text.
  return Buffer.from(text).equals(key)
    ? { original_key: text }
    : { original_key: key.toString('base64'), original_key_encoding: 'base64' }
}

function headersView(entries: readonly HeaderEntry[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of entries) out[name.toString('utf8')] = value?.toString('utf8') ?? ''
  return out
}

function valueView(
  value: Buffer | null,
  omitted: ValueOmitted | undefined,
): Pick<DeadLetterRecord, 'value_encoding' | 'value_omitted_reason' | 'original_value'> {
  if (omitted !== undefined) return { value_encoding: 'omitted', value_omitted_reason: omitted }
  if (value === null) return { value_encoding: 'omitted', value_omitted_reason: 'absent' }
  const json = tryParseJson(value)
  return json === undefined
    ? { value_encoding: 'base64', original_value: value.toString('base64') }
    : { value_encoding: 'json', original_value: json }
}

function describeError(error: unknown): { message: string; type: string; code: string | undefined } {
  if (KafkitError.is(error)) {
    // A handler's own error, wrapped to carry a code: name the handler's error, not the wrapper.
    const cause = error.cause
    if (error.code === 'KAFKIT_HANDLER_FAILED' && cause !== undefined)
      return {
        message: errorMessage(cause),
        type: cause instanceof Error ? errorClass(cause) : typeof cause,
        code: error.code,
      }
    return { message: error.message, type: error.name, code: error.code }
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return { message: error.message, type: errorClass(error), code: typeof code === 'string' ? code : undefined }
  }
  return { message: errorMessage(error), type: typeof error, code: undefined }
}

/**
 * An error's class: its `name`, unless that is the `Error` a subclass inherits without setting its
 * own (`class CardDeclined extends Error {}`), then its constructor's name.
 */
function errorClass(error: Error): string {
  if (error.name !== 'Error') return error.name
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name
  return typeof constructorName === 'string' && constructorName.length > 0 ? constructorName : error.name
}

function isoTime(value: DeadLetterInput['timestamp']): string | undefined {
  if (value === undefined) return undefined
  const date = value instanceof Date ? value : new Date(Number(value))
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
