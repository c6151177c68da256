// The dead-letter record format, shared by the producer and the consumer runtime: the original record
// byte for byte, the failure in `kafkit-dlq-*` headers after it, omissions that say so, and format 1
// (a JSON value) still read.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  buildDeadLetterRecord,
  DLQ_HEADER_PREFIX,
  DLQ_LIMITS,
  DlqHeaders,
  readDeadLetterRecord,
  type DeadLetterInput,
  type HeaderEntry,
} from '../../src/dlq/index.ts'
import { HandlerError, PayloadError } from '../../src/errors.ts'

const first = new Date('2026-03-01T10:00:00.000Z')
const last = new Date('2026-03-01T10:00:05.500Z')
const envelope = { id: '0190f5b4-0000-7000-8000-000000000001', type: 'ride.completed', payload: { ride_id: 'r1' } }
// A JSON value that parsing and re-serialising would change: a big integer, "1.50", spacing, a duplicate key.
const value = Buffer.from('{"n": 12345678901234567890123 , "fare":1.50,"dup":1,"dup":2}')
const originalHeaders: HeaderEntry[] = [
  [Buffer.from('event-type'), Buffer.from('ride.completed')],
  [Buffer.from('bin'), Buffer.from([0xff, 0x00, 0x01])],
  [Buffer.from('twice'), Buffer.from('1')],
  [Buffer.from('twice'), Buffer.from('2')],
  [Buffer.from('no-value'), null],
]

function input(overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    topic: 'txova.rides.v1',
    partition: 4,
    offset: 12345678901234n,
    timestamp: new Date('2026-03-01T09:59:59.000Z'),
    key: Buffer.from('r1'),
    headers: originalHeaders,
    value,
    group: 'payments',
    service: 'payment-service',
    eventId: envelope.id,
    eventType: 'ride.completed',
    handler: 'ride.completed@1.0',
    error: new PayloadError('ride.completed', '1.0', [{ path: 'fare', message: 'required' }]),
    attempts: 3,
    firstFailure: first,
    lastFailure: last,
    includeValue: true,
    ...overrides,
  }
}

const failureHeaders = (headers: readonly HeaderEntry[]) =>
  headers
    .filter(([name]) => name.toString().startsWith(DLQ_HEADER_PREFIX))
    .map(([name, v]) => [name.toString(), v?.toString()])

test('a failure record is the original record, key, value and headers byte for byte, then the failure headers', () => {
  const message = buildDeadLetterRecord(input())
  assert.deepEqual(message.key, Buffer.from('r1'))
  assert.deepEqual(message.value, value, 'the value as it was, not re-serialised')
  assert.deepEqual(message.headers.slice(0, originalHeaders.length), originalHeaders, 'every original header, in order')
  assert.deepEqual(failureHeaders(message.headers), [
    [DlqHeaders.version, '2'],
    [DlqHeaders.originalTopic, 'txova.rides.v1'],
    [DlqHeaders.originalPartition, '4'],
    [DlqHeaders.originalOffset, '12345678901234'],
    [DlqHeaders.originalTimestamp, '2026-03-01T09:59:59.000Z'],
    [DlqHeaders.group, 'payments'],
    [DlqHeaders.service, 'payment-service'],
    [DlqHeaders.eventId, envelope.id],
    [DlqHeaders.eventType, 'ride.completed'],
    [DlqHeaders.handler, 'ride.completed@1.0'],
    [DlqHeaders.errorMessage, 'invalid payload for ride.completed v1.0: fare: required'],
    [DlqHeaders.errorType, 'PayloadError'],
    [DlqHeaders.errorCode, 'KAFKIT_PAYLOAD_INVALID'],
    [DlqHeaders.retryable, 'false'],
    [DlqHeaders.attempts, '3'],
    [DlqHeaders.firstFailure, first.toISOString()],
    [DlqHeaders.lastFailure, last.toISOString()],
  ])
  assert.equal(message.headers.length, originalHeaders.length + 17, 'nothing else')
})

test('reading a failure record gives the failure and the original back, exactly', () => {
  const message = buildDeadLetterRecord(input())
  const { record, original } = readDeadLetterRecord(message)
  assert.deepEqual(original, { key: Buffer.from('r1'), value, headers: originalHeaders, exact: true })
  assert.equal(record.kafkit_dlq, 2)
  assert.equal(record.original_topic, 'txova.rides.v1')
  assert.equal(record.original_partition, 4)
  assert.equal(record.original_offset, '12345678901234')
  assert.equal(record.original_key, 'r1')
  assert.equal(record.original_headers['twice'], '2', 'the text view: the last of duplicates')
  assert.equal(record.consumer_group, 'payments')
  assert.equal(record.error_code, 'KAFKIT_PAYLOAD_INVALID')
  assert.equal(record.retryable, false)
  assert.equal(record.attempt_count, 3)
  assert.equal(record.handler, 'ride.completed@1.0')
  assert.equal(record.value_encoding, 'json', 'a readable view of the value')
})

test("a handler's own error is recorded with KAFKIT_HANDLER_FAILED, its class and message", () => {
  const { record } = readDeadLetterRecord(
    buildDeadLetterRecord(input({ error: HandlerError.of(new TypeError('no fare')) })),
  )
  assert.equal(record.error_code, 'KAFKIT_HANDLER_FAILED')
  assert.equal(record.error_type, 'TypeError')
  assert.equal(record.error_message, 'no fare')
  assert.equal(record.retryable, true)
})

test('a tombstone stays a tombstone; a value left out says why and how large it was', () => {
  const tombstone = buildDeadLetterRecord(input({ value: null, key: null }))
  assert.equal(tombstone.value, null)
  assert.equal(tombstone.key, undefined)
  const read = readDeadLetterRecord(tombstone)
  assert.equal(read.original.value, null)
  assert.equal(read.original.valueOmitted, undefined, 'a tombstone is not an omission')
  assert.equal(read.record.value_omitted_reason, 'absent')

  const excluded = buildDeadLetterRecord(input({ includeValue: false }))
  assert.equal(excluded.value, null)
  assert.equal(readDeadLetterRecord(excluded).original.valueOmitted, 'excluded')
  assert.equal(readDeadLetterRecord(excluded).record.value_omitted_reason, 'excluded')
  assert.deepEqual(failureHeaders(excluded.headers).slice(-2), [
    [DlqHeaders.valueOmitted, 'excluded'],
    [DlqHeaders.valueBytes, String(value.length)],
  ])
})

test('a record that cannot fit with its failure headers leaves out the value, then the headers, and says so; never cuts them', () => {
  const big = Buffer.alloc(4000, 'x')
  const tooLarge = buildDeadLetterRecord(input({ value: big, maxBytes: 3000 }))
  assert.equal(tooLarge.value, null)
  assert.deepEqual(tooLarge.headers.slice(0, originalHeaders.length), originalHeaders, 'the headers still fit')
  const read = readDeadLetterRecord(tooLarge)
  assert.equal(read.original.valueOmitted, 'too-large')
  assert.equal(read.record.value_omitted_reason, 'too-large')

  const manyHeaders: HeaderEntry[] = Array.from({ length: 50 }, (_, i) => [
    Buffer.from(`h${i}`),
    Buffer.alloc(100, 'v'),
  ])
  const bare = buildDeadLetterRecord(input({ value: big, headers: manyHeaders, maxBytes: 3000 }))
  assert.equal(bare.value, null)
  const bareRead = readDeadLetterRecord(bare)
  assert.equal(bareRead.original.headersOmitted, 'too-large')
  assert.deepEqual(bareRead.original.headers, [])
  assert.equal(bareRead.record.error_code, 'KAFKIT_PAYLOAD_INVALID', 'the failure itself is always there')

  const fits = buildDeadLetterRecord(input({ headers: manyHeaders }))
  assert.equal(fits.headers.length, 50 + 17, 'no limit on the number of original headers')
})

test('the failure message is bounded; nothing of the original is', () => {
  const message = buildDeadLetterRecord(input({ error: new Error('e'.repeat(100_000)) }))
  const { record } = readDeadLetterRecord(message)
  assert.equal(record.error_message.length, DLQ_LIMITS.errorMessageChars)
  assert.equal(record.error_type, 'Error')
  assert.equal(record.error_code, undefined)
})

test('format 1 records (a JSON value) are still read', () => {
  const v1 = {
    kafkit_dlq: 1,
    original_topic: 'txova.rides.v1',
    original_partition: 4,
    original_offset: '7',
    original_key: 'r1',
    original_headers: { 'event-type': 'ride.completed' },
    consumer_group: 'payments',
    service: 'payment-service',
    error_message: 'boom',
    error_type: 'Error',
    retryable: true,
    attempt_count: 3,
    first_failure: first.toISOString(),
    last_failure: last.toISOString(),
    value_encoding: 'json',
    original_value: envelope,
  }
  const { record, original } = readDeadLetterRecord({ value: Buffer.from(JSON.stringify(v1)) })
  assert.equal(record.kafkit_dlq, 1)
  assert.equal(record.consumer_group, 'payments')
  assert.equal(original.exact, false)
  assert.deepEqual(original.key, Buffer.from('r1'))
  assert.deepEqual(original.value, Buffer.from(JSON.stringify(envelope)))
  assert.deepEqual(original.headers, [[Buffer.from('event-type'), Buffer.from('ride.completed')]])
})

test('a record that is neither format does not read', () => {
  assert.throws(() => readDeadLetterRecord({ value: Buffer.from('{"id":"x"}') }), { code: 'KAFKIT_DECODE_FAILED' })
  assert.throws(() => readDeadLetterRecord({ value: Buffer.from('nope') }), { code: 'KAFKIT_DECODE_FAILED' })
})
