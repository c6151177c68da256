import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeEnvelope, project } from '../../src/consumer/decode.ts'
import { CodecRegistry, createEnvelope, jsonCodec } from '../../src/envelope/index.ts'

const envelope = createEnvelope({
  type: 'message.received',
  version: '1.0',
  source: 'sendblue',
  payload: { user_id: 'u1', content: 'hi', meta: { channel: 'sms', carrier: 'x' }, secret: 's' },
})

test('projection keeps the envelope and only the chosen payload paths', () => {
  const projected = project(envelope, ['payload.user_id', 'payload.meta.channel', 'payload.missing'])
  assert.deepEqual(projected.payload, { user_id: 'u1', meta: { channel: 'sms' } })
  assert.equal(projected.id, envelope.id)
  assert.equal(projected.correlation_id, envelope.correlation_id)
})

test('decoding refuses empty records and bad bytes with non-retryable errors', () => {
  const registry = new CodecRegistry()
  const headers = new Map<string, string>()
  assert.deepEqual(decodeEnvelope(registry, jsonCodec.encode(envelope).value, headers), envelope)
  assert.throws(
    () => decodeEnvelope(registry, null, headers),
    (e: Error & { code?: string; retryable?: boolean }) => e.code === 'KAFKIT_DECODE_FAILED' && e.retryable === false,
  )
  assert.throws(() => decodeEnvelope(registry, Buffer.from('{nope'), headers), { code: 'KAFKIT_DECODE_FAILED' })
  assert.throws(() => decodeEnvelope(registry, Buffer.from('{}'), headers), { code: 'KAFKIT_ENVELOPE_INVALID' })
})
