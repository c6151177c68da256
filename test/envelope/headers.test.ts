import assert from 'node:assert/strict'
import { test } from 'node:test'
import { envelopeHeaders, Headers, headersToStrings } from '../../src/envelope/index.ts'
import { fullEnvelope, minimalEnvelope } from './fixtures.ts'

test('a record carries type, id, version, source, content type and correlation id as headers', () => {
  const envelope = minimalEnvelope()
  assert.deepEqual(envelopeHeaders(envelope, 'application/json'), {
    'event-type': envelope.type,
    'event-id': envelope.id,
    'event-version': envelope.version,
    'event-source': envelope.source,
    'content-type': 'application/json',
    'correlation-id': envelope.correlation_id,
  })
})

test('causation id and W3C trace context are added when present', () => {
  const envelope = fullEnvelope()
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  const headers = envelopeHeaders(envelope, 'application/json', { traceparent, tracestate: 'vendor=1' })
  assert.equal(headers[Headers.causationId], envelope.causation_id)
  assert.equal(headers[Headers.traceparent], traceparent)
  assert.equal(headers[Headers.tracestate], 'vendor=1')
  const untraced = envelopeHeaders(envelope, 'application/json', { traceparent: undefined, tracestate: '' })
  assert.equal(Headers.traceparent in untraced, false)
  assert.equal(Headers.tracestate in untraced, false)
})

test('consumed headers become strings, whatever the wire client delivered', () => {
  const raw = new Map<unknown, unknown>([
    [Buffer.from('event-type'), Buffer.from('user.registered')],
    ['content-type', Buffer.from('application/json')],
    ['event-version', '1.0'],
  ])
  assert.deepEqual(
    headersToStrings(raw),
    new Map([
      ['event-type', 'user.registered'],
      ['content-type', 'application/json'],
      ['event-version', '1.0'],
    ]),
  )
  assert.equal(headersToStrings(undefined).size, 0)
})

test('a header repeated on the record keeps its last value', () => {
  const raw = new Map<unknown, unknown>([
    [Buffer.from('event-id'), Buffer.from('first')],
    [Buffer.from('event-id'), Buffer.from('second')],
  ])
  assert.equal(headersToStrings(raw).get('event-id'), 'second')
})
