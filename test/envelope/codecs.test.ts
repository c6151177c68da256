import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  builtInCodecs,
  CodecRegistry,
  envelopeHeaders,
  jsonCodec,
  resolveCodec,
  validateEnvelope,
  type Envelope,
  type EnvelopeCodec,
} from '../../src/envelope/index.ts'
import { DecodeError, ErrorCodes } from '../../src/errors.ts'
import { fullEnvelope, minimalEnvelope } from './fixtures.ts'

/** What a consumer sees: the value and every header a producer would write with this codec. */
function record(codec: EnvelopeCodec, envelope: Envelope) {
  const encoded = codec.encode(envelope)
  const headers = new Map(Object.entries({ ...envelopeHeaders(envelope, codec.contentType), ...encoded.headers }))
  return { value: encoded.value, headers }
}

const registry = new CodecRegistry()

for (const [name, codec] of Object.entries(builtInCodecs)) {
  test(`the ${name} codec round-trips envelopes, and the registry picks a decoder that reads them`, () => {
    for (const envelope of [fullEnvelope(), minimalEnvelope()]) {
      const { value, headers } = record(codec, envelope)
      const decoder = registry.forRecord(headers)
      assert.deepEqual(validateEnvelope(decoder.decode(value, headers)), envelope)
    }
  })
}

test('the registry chooses by headers', () => {
  const pick = (headers: Record<string, string>) => registry.forRecord(new Map(Object.entries(headers))).name
  assert.equal(pick({}), 'json', 'no content type: the default')
  assert.equal(pick({ 'content-type': 'application/json' }), 'json')
  assert.equal(pick({ 'content-type': 'application/cloudevents+json' }), 'cloudevents-structured')
  assert.equal(pick({ 'content-type': 'application/cloudevents+json; charset=utf-8' }), 'cloudevents-structured')
  assert.equal(pick({ 'content-type': 'application/json', ce_specversion: '1.0' }), 'cloudevents-binary')
  assert.equal(pick({ 'content-type': 'application/avro' }), 'json', 'unknown formats fall back to JSON')
})

test('extra codecs are consulted before the built-in ones', () => {
  const custom: EnvelopeCodec = {
    ...jsonCodec,
    name: 'custom',
    contentType: 'application/x-custom',
    matches: (headers) => headers.get('content-type') === 'application/x-custom',
  }
  const withCustom = new CodecRegistry([custom])
  assert.equal(withCustom.forRecord(new Map([['content-type', 'application/x-custom']])).name, 'custom')
  assert.equal(withCustom.forRecord(new Map([['content-type', 'application/json']])).name, 'json')
})

test('resolveCodec: the default, a built-in by name, or a codec object', () => {
  assert.equal(resolveCodec(undefined), jsonCodec)
  assert.equal(resolveCodec('cloudevents-binary'), builtInCodecs['cloudevents-binary'])
  const custom = { ...jsonCodec, name: 'custom' }
  assert.equal(resolveCodec(custom), custom)
})

test('the series codec writes the Series BaseMessage field names', () => {
  const envelope = fullEnvelope()
  const message = JSON.parse(builtInCodecs.series.encode(envelope).value.toString()) as Record<string, unknown>
  assert.equal(message['event_id'], envelope.id)
  assert.equal(message['event_type'], envelope.type)
  assert.equal(message['schema_version'], envelope.version)
  assert.equal(message['source_service'], envelope.source)
  assert.equal(message['correlation_id'], envelope.correlation_id)
  for (const field of ['id', 'type', 'version', 'source']) assert.equal(field in message, false, field)
})

test('Series-shaped JSON from a Go or Python producer decodes to the canonical envelope', () => {
  const fromGo = {
    event_id: '0192f3a4-5b6c-7d8e-9f01-23456789abcd',
    event_type: 'message.received',
    schema_version: '1.0',
    timestamp: '2025-11-07T10:00:00.123456789Z',
    source_service: 'sendblue',
    payload: { conversation_id: 'c-1', content: 'hi' },
    trace_id: 'abc123', // a Series field kafkit does not use: ignored
    metadata: { attempt: 2, tags: ['a'], channel: 'imessage' },
  }
  const envelope = validateEnvelope(jsonCodec.decode(Buffer.from(JSON.stringify(fromGo)), new Map()))
  assert.equal(envelope.id, fromGo.event_id)
  assert.equal(envelope.type, 'message.received')
  assert.equal(envelope.version, '1.0')
  assert.equal(envelope.source, 'sendblue')
  assert.equal(envelope.timestamp, fromGo.timestamp)
  assert.deepEqual(envelope.payload, fromGo.payload)
  // Series makes the correlation id optional: the message then starts its own flow.
  assert.equal(envelope.correlation_id, fromGo.event_id)
  // Series metadata holds any JSON; kafkit's is strings.
  assert.deepEqual(envelope.metadata, { attempt: '2', tags: '["a"]', channel: 'imessage' })

  const correlated = { ...fromGo, correlation_id: 'flow-9' }
  const decoded = jsonCodec.decode(Buffer.from(JSON.stringify(correlated)), new Map()) as Envelope
  assert.equal(decoded.correlation_id, 'flow-9')
})

test('a record with canonical field names is never rewritten as Series', () => {
  const envelope = { ...minimalEnvelope(), event_id: 'something-else' }
  const decoded = jsonCodec.decode(Buffer.from(JSON.stringify(envelope)), new Map())
  assert.deepEqual(decoded, envelope)
})

test('CloudEvents structured mode: attributes and data in one JSON value', () => {
  const envelope = fullEnvelope()
  const { value, headers } = record(builtInCodecs['cloudevents-structured'], envelope)
  assert.equal(headers.get('content-type'), 'application/cloudevents+json')
  const event = JSON.parse(value.toString()) as Record<string, unknown>
  assert.equal(event['specversion'], '1.0')
  assert.equal(event['id'], envelope.id)
  assert.equal(event['type'], envelope.type)
  assert.equal(event['source'], envelope.source)
  assert.equal(event['time'], envelope.timestamp)
  assert.equal(event['datacontenttype'], 'application/json')
  assert.deepEqual(event['data'], envelope.payload)
  assert.equal(event['eventversion'], envelope.version)
  assert.equal(event['correlationid'], envelope.correlation_id)
  assert.equal(event['causationid'], envelope.causation_id)
  assert.equal(event['metadata'], JSON.stringify(envelope.metadata))
})

test('CloudEvents binary mode: attributes as ce_ headers, the payload alone as the value', () => {
  const envelope = fullEnvelope()
  const { value, headers } = record(builtInCodecs['cloudevents-binary'], envelope)
  assert.deepEqual(JSON.parse(value.toString()), envelope.payload)
  assert.equal(headers.get('ce_specversion'), '1.0')
  assert.equal(headers.get('ce_id'), envelope.id)
  assert.equal(headers.get('ce_type'), envelope.type)
  assert.equal(headers.get('ce_time'), envelope.timestamp)
  assert.equal(headers.get('ce_actorid'), envelope.actor!.id)
  assert.equal(headers.get('ce_actortype'), envelope.actor!.type)
  assert.equal(headers.get('content-type'), 'application/json')
})

test('undecodable bytes are a non-retryable DecodeError in every format', () => {
  const garbage = Buffer.from('{"id": ')
  const cases: [EnvelopeCodec, Map<string, string>][] = [
    [jsonCodec, new Map<string, string>()],
    [builtInCodecs.series, new Map<string, string>()],
    [builtInCodecs['cloudevents-structured'], new Map([['content-type', 'application/cloudevents+json']])],
    [builtInCodecs['cloudevents-binary'], new Map<string, string>([['ce_specversion', '1.0']])],
  ]
  for (const [codec, headers] of cases) {
    assert.throws(
      () => codec.decode(garbage, headers),
      (err: unknown) =>
        err instanceof DecodeError &&
        err.code === ErrorCodes.DECODE_FAILED &&
        !err.retryable &&
        /not valid JSON/.test(err.message),
      codec.name,
    )
  }
})

test('a CloudEvent whose metadata extension is not JSON, or that is not an object, fails to decode', () => {
  const headers = new Map([
    ['ce_specversion', '1.0'],
    ['ce_metadata', '{broken'],
  ])
  assert.throws(() => builtInCodecs['cloudevents-binary'].decode(Buffer.from('{}'), headers), DecodeError)
  assert.throws(() => builtInCodecs['cloudevents-structured'].decode(Buffer.from('"text"'), new Map()), DecodeError)
})
