// The dead-letter record format (shared by the producer and the consumer runtime): fields, headers
// under one prefix, value encodings, and bounds that keep a record under the broker's limit.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecordHeaders } from '../../src/consumer/headers.ts'
import { PayloadError } from '../../src/errors.ts'
import {
  buildDeadLetterRecord,
  DLQ_HEADER_PREFIX,
  DLQ_LIMITS,
  originalValueOf,
  parseDeadLetterRecord,
  type DeadLetterInput,
} from '../../src/producer/index.ts'

const first = new Date('2026-03-01T10:00:00.000Z')
const last = new Date('2026-03-01T10:00:05.500Z')
const envelope = { id: '0190f5b4-0000-7000-8000-000000000001', type: 'ride.completed', payload: { ride_id: 'r1' } }

function input(overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    topic: 'txova.rides.v1',
    partition: 4,
    offset: 12345678901234n,
    timestamp: new Date('2026-03-01T09:59:59.000Z'),
    key: Buffer.from('r1'),
    headers: new Map<string, string | Buffer>([
      ['event-type', 'ride.completed'],
      ['bin', Buffer.from('x')],
    ]),
    value: Buffer.from(JSON.stringify(envelope)),
    group: 'payments',
    service: 'payment-service',
    eventId: envelope.id,
    eventType: 'ride.completed',
    error: new PayloadError('ride.completed', '1.0', [{ path: 'fare', message: 'required' }]),
    attempts: 3,
    firstFailure: first,
    lastFailure: last,
    includeValue: true,
    ...overrides,
  }
}

test('a dead-letter record holds the original record, the failure and the value as JSON', () => {
  const message = buildDeadLetterRecord(input())
  assert.equal(message.key?.toString(), 'r1', 'the key is the original key')
  const record = parseDeadLetterRecord(message.value)
  assert.deepEqual(record, {
    kafkit_dlq: 1,
    original_topic: 'txova.rides.v1',
    original_partition: 4,
    original_offset: '12345678901234',
    original_timestamp: '2026-03-01T09:59:59.000Z',
    original_key: 'r1',
    original_headers: { 'event-type': 'ride.completed', bin: 'x' },
    consumer_group: 'payments',
    service: 'payment-service',
    event_id: envelope.id,
    event_type: 'ride.completed',
    error_message: 'invalid payload for ride.completed v1.0: fare: required',
    error_type: 'PayloadError',
    error_code: 'KAFKIT_PAYLOAD_INVALID',
    retryable: false,
    attempt_count: 3,
    first_failure: first.toISOString(),
    last_failure: last.toISOString(),
    value_encoding: 'json',
    original_value: envelope,
  })
  assert.deepEqual(originalValueOf(record), Buffer.from(JSON.stringify(envelope)))
  assert.deepEqual(message.headers, {
    [`${DLQ_HEADER_PREFIX}version`]: '1',
    [`${DLQ_HEADER_PREFIX}original-topic`]: 'txova.rides.v1',
    [`${DLQ_HEADER_PREFIX}original-partition`]: '4',
    [`${DLQ_HEADER_PREFIX}original-offset`]: '12345678901234',
    [`${DLQ_HEADER_PREFIX}consumer-group`]: 'payments',
    [`${DLQ_HEADER_PREFIX}service`]: 'payment-service',
    [`${DLQ_HEADER_PREFIX}event-id`]: envelope.id,
    [`${DLQ_HEADER_PREFIX}event-type`]: 'ride.completed',
    [`${DLQ_HEADER_PREFIX}error-type`]: 'PayloadError',
    [`${DLQ_HEADER_PREFIX}error-code`]: 'KAFKIT_PAYLOAD_INVALID',
    [`${DLQ_HEADER_PREFIX}error-message`]: 'invalid payload for ride.completed v1.0: fare: required',
    [`${DLQ_HEADER_PREFIX}retryable`]: 'false',
    [`${DLQ_HEADER_PREFIX}attempt-count`]: '3',
    [`${DLQ_HEADER_PREFIX}first-failure`]: first.toISOString(),
    [`${DLQ_HEADER_PREFIX}last-failure`]: last.toISOString(),
  })
})

test('values that are not JSON are kept as base64, byte for byte; binary keys too', () => {
  const bytes = Buffer.from([0xff, 0x00, 0x7b, 0x80])
  const record = parseDeadLetterRecord(
    buildDeadLetterRecord(input({ value: bytes, key: Buffer.from([0xc3, 0x28]) })).value,
  )
  assert.equal(record.value_encoding, 'base64')
  assert.deepEqual(originalValueOf(record), bytes)
  assert.equal(record.original_key_encoding, 'base64')
  assert.deepEqual(Buffer.from(record.original_key!, 'base64'), Buffer.from([0xc3, 0x28]))
})

test('the value is left out when the topic says so, when absent, or when it would not fit', () => {
  const excluded = parseDeadLetterRecord(buildDeadLetterRecord(input({ includeValue: false })).value)
  assert.equal(excluded.value_encoding, 'omitted')
  assert.equal(excluded.value_omitted_reason, 'excluded')
  assert.equal(excluded.original_value, undefined)
  assert.equal(originalValueOf(excluded), undefined)

  const absent = parseDeadLetterRecord(buildDeadLetterRecord(input({ value: null, key: null })).value)
  assert.equal(absent.value_omitted_reason, 'absent')
  assert.equal(absent.original_key, null)

  const huge = Buffer.from(JSON.stringify({ blob: 'x'.repeat(DLQ_LIMITS.recordBytes) }))
  const message = buildDeadLetterRecord(input({ value: huge }))
  assert.ok(message.value.length < DLQ_LIMITS.recordBytes)
  assert.equal(parseDeadLetterRecord(message.value).value_omitted_reason, 'too-large')

  const small = buildDeadLetterRecord(
    input({ value: Buffer.from(JSON.stringify({ s: 'y'.repeat(3000) })), maxBytes: 2048 }),
  )
  assert.ok(small.value.length <= 2048)
  assert.equal(parseDeadLetterRecord(small.value).value_omitted_reason, 'too-large')
})

test('text fields are bounded', () => {
  const long = new Error('e'.repeat(100_000))
  const headers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`h${i}`, 'v'.repeat(5000)]))
  const message = buildDeadLetterRecord(input({ error: long, headers }))
  const record = parseDeadLetterRecord(message.value)
  assert.equal(record.error_message.length, DLQ_LIMITS.errorMessageChars)
  assert.equal(record.error_type, 'Error')
  assert.equal(record.error_code, undefined)
  assert.equal(Object.keys(record.original_headers).length, DLQ_LIMITS.headerCount)
  assert.ok(Object.values(record.original_headers).every((v) => v.length <= DLQ_LIMITS.headerValueChars))
  assert.ok(message.headers[`${DLQ_HEADER_PREFIX}error-message`]!.length <= DLQ_LIMITS.headerErrorMessageChars)
  assert.ok(message.value.length < 200_000)
})

test('a value that is not a dead-letter record does not parse', () => {
  assert.throws(() => parseDeadLetterRecord(Buffer.from('{"id":"x"}')), { code: 'KAFKIT_DECODE_FAILED' })
  assert.throws(() => parseDeadLetterRecord(Buffer.from('nope')), { code: 'KAFKIT_DECODE_FAILED' })
})

test("a consumed record's headers (the consumer's lazy header view, not a Map) are kept in the dead-letter record", () => {
  const headers = new RecordHeaders([
    [Buffer.from('event-type'), Buffer.from('ride.completed')],
    [Buffer.from('event-id'), Buffer.from(envelope.id)],
  ])
  const record = parseDeadLetterRecord(buildDeadLetterRecord(input({ headers })).value)
  assert.deepEqual(record.original_headers, { 'event-type': 'ride.completed', 'event-id': envelope.id })
})
