import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomFillSync } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import { uuidV7Text } from '../../src/envelope/create.ts'
import { createEnvelope, newEventId, validateEnvelope } from '../../src/envelope/index.ts'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const base = { type: 'user.registered', version: '1.0', source: 'user-service', payload: { user_id: 'u1' } }

test('createEnvelope fills id (UUIDv7), UTC timestamp and a generated correlation id', () => {
  const before = Date.now()
  const envelope = createEnvelope(base)
  const after = Date.now()
  assert.match(envelope.id, UUID_V7)
  assert.match(envelope.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  const time = Date.parse(envelope.timestamp)
  assert.ok(time >= before && time <= after, `${envelope.timestamp} is not the creation time`)
  assert.match(envelope.correlation_id, UUID_V7)
  assert.notEqual(envelope.correlation_id, envelope.id)
  assert.deepEqual(envelope.payload, { user_id: 'u1' })
  assert.equal(validateEnvelope(envelope), envelope)
})

test('createEnvelope leaves absent optional fields out (not undefined) and keeps given ones', () => {
  const bare = createEnvelope(base)
  for (const field of ['causation_id', 'actor', 'metadata']) assert.equal(field in bare, false, field)

  const full = createEnvelope({
    ...base,
    id: '0192f3a4-5b6c-7d8e-9f01-23456789abcd',
    correlationId: 'req-1',
    causationId: 'cause-1',
    actor: { id: 'admin-1', type: 'admin' },
    metadata: { tenant: 'mz' },
    timestamp: new Date(Date.UTC(2026, 0, 31, 12)),
  })
  assert.equal(full.id, '0192f3a4-5b6c-7d8e-9f01-23456789abcd')
  assert.equal(full.correlation_id, 'req-1')
  assert.equal(full.causation_id, 'cause-1')
  assert.deepEqual(full.actor, { id: 'admin-1', type: 'admin' })
  assert.deepEqual(full.metadata, { tenant: 'mz' })
  assert.equal(full.timestamp, '2026-01-31T12:00:00.000Z')
})

test('every envelope gets its own id and correlation id; ids are time-ordered', () => {
  const envelopes = Array.from({ length: 50 }, () => createEnvelope(base))
  assert.equal(new Set(envelopes.map((e) => e.id)).size, 50)
  assert.equal(new Set(envelopes.map((e) => e.correlation_id)).size, 50)
  const ids = Array.from({ length: 200 }, () => newEventId())
  assert.deepEqual([...ids].sort(), ids, 'UUIDv7 ids sort in creation order')
})

test('event ids are the UUIDv7s the uuid package makes from the same time, counter and random bytes', () => {
  const random = new Uint8Array(16 * 500)
  randomFillSync(random)
  const times = [0, 1, 0xff, 0x1_0000_0000, Date.UTC(2026, 0, 31), 2 ** 48 - 1]
  for (let i = 0; i < 500; i++) {
    const bytes = random.subarray(i * 16, i * 16 + 16)
    const msecs = times[i % times.length]! + i
    const counter = i % 7 === 0 ? 0 : i % 11 === 0 ? 0x7fffffff : (bytes[0]! << 23) | (bytes[1]! << 11) | i
    assert.equal(uuidV7Text(random, i * 16, msecs, counter), uuidv7({ random: bytes, msecs, seq: counter }))
  }
})
