import assert from 'node:assert/strict'
import { test } from 'node:test'
import { envelopeIssues, validateEnvelope } from '../../src/envelope/index.ts'
import { UTC_TIMESTAMP, UUID, isUtcTimestamp, isUuid } from '../../src/envelope/validate.ts'
import { EnvelopeError, ErrorCodes } from '../../src/errors.ts'
import { fullEnvelope, minimalEnvelope } from './fixtures.ts'

/** The message of the one issue reported for `field`, failing if there is not exactly one issue. */
function issueFor(envelope: unknown, field: string): string {
  const issues = envelopeIssues(envelope)
  assert.equal(issues.length, 1, `expected one issue, got ${JSON.stringify(issues)}`)
  assert.equal(issues[0]!.path, field)
  return issues[0]!.message
}

const withField = (field: string, value: unknown) => ({ ...fullEnvelope(), [field]: value })

test('valid envelopes pass, with and without optional fields', () => {
  for (const envelope of [fullEnvelope(), minimalEnvelope()]) {
    assert.deepEqual(envelopeIssues(envelope), [])
    assert.equal(validateEnvelope(envelope), envelope)
  }
})

test('unknown fields are ignored', () => {
  const envelope = { ...fullEnvelope(), trace_id: 'abc', future_field: { nested: true } }
  assert.deepEqual(envelopeIssues(envelope), [])
})

test('each missing required field is named', () => {
  for (const field of ['id', 'type', 'version', 'source', 'timestamp', 'correlation_id', 'payload']) {
    const envelope: Record<string, unknown> = { ...fullEnvelope() }
    delete envelope[field]
    assert.equal(issueFor(envelope, field), 'is required')
    assert.equal(issueFor({ ...fullEnvelope(), [field]: null }, field), 'is required')
  }
})

test('optional fields may be absent, but not empty or malformed', () => {
  assert.match(issueFor(withField('causation_id', ''), 'causation_id'), /non-empty string/)
  assert.match(issueFor(withField('source', ''), 'source'), /non-empty string/)
  assert.match(issueFor(withField('correlation_id', 42), 'correlation_id'), /non-empty string/)
})

test('id must be a UUID', () => {
  for (const id of ['not-a-uuid', '0192f3a45b6c7d8e9f0123456789abcd', 42]) {
    assert.match(issueFor(withField('id', id), 'id'), /UUID/)
  }
})

test('type must be "domain.action" in lower case', () => {
  for (const type of [
    'UserRegistered',
    'user',
    'user.',
    '.registered',
    'User.registered',
    'user registered',
    'user-x.y',
  ]) {
    assert.match(issueFor(withField('type', type), 'type'), /domain\.action/, type)
  }
  for (const type of ['user.registered', 'driver.location_updated', 'a.b.c', 'payment2.done']) {
    assert.deepEqual(envelopeIssues(withField('type', type)), [], type)
  }
})

test('a type or version that passed before does not let a different one through', () => {
  // The check remembers the last type and version that matched; records alternate here.
  for (const [type, version] of [
    ['user.registered', '1.0'],
    ['user.registered ', '1.0 '],
    ['user.registered', '1.0'],
    ['User.registered', '1.0.0'],
    ['user.registered', '1.0'],
    ['', ''],
  ] as const) {
    const valid = type === 'user.registered'
    const issues = envelopeIssues({ ...fullEnvelope(), type, version })
    assert.deepEqual(
      issues.map((i) => i.path),
      valid ? [] : ['type', 'version'],
      `${type} ${version}`,
    )
    assert.equal(
      (() => {
        try {
          validateEnvelope({ ...fullEnvelope(), type, version })
          return true
        } catch {
          return false
        }
      })(),
      valid,
    )
  }
})

test('version must be "major.minor"', () => {
  for (const version of ['1', '1.0.0', 'v1.0', '1.x', '', 1]) {
    assert.match(issueFor(withField('version', version), 'version'), /major\.minor/, String(version))
  }
  assert.deepEqual(envelopeIssues(withField('version', '12.34')), [])
})

test('timestamp must be a real UTC ISO 8601 time', () => {
  const bad = [
    '2026-01-31T14:00:00+02:00', // an offset other than UTC
    '2026-01-31T12:00:00', // no zone: ambiguous
    '2026-01-31',
    '31/01/2026 12:00',
    '2026-02-30T00:00:00Z', // Date.parse would roll this over to March 2nd
    '2026-01-31T24:00:00Z',
    1_769_860_800_000,
  ]
  for (const timestamp of bad) {
    assert.match(issueFor(withField('timestamp', timestamp), 'timestamp'), /UTC ISO 8601/, String(timestamp))
  }
  for (const timestamp of ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.123456789Z', '2026-01-31T12:00:00+00:00']) {
    assert.deepEqual(envelopeIssues(withField('timestamp', timestamp)), [], timestamp)
  }
  assert.deepEqual(envelopeIssues(withField('timestamp', '2028-02-29T00:00:00Z')), [], 'a leap day')
})

test('timestamp calendar rules: leap centuries, month lengths, field ranges', () => {
  const good = ['2000-02-29T00:00:00Z', '2024-04-30T23:59:59Z', '0000-02-29T00:00:00Z', '9999-12-31T23:59:59.999Z']
  for (const timestamp of good) assert.deepEqual(envelopeIssues(withField('timestamp', timestamp)), [], timestamp)
  const bad = [
    '1900-02-29T00:00:00Z', // divisible by 100, not by 400
    '2023-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-13-10T00:00:00Z',
    '2026-01-00T00:00:00Z',
    '2026-01-31T12:60:00Z',
    '2026-01-31T12:00:60Z', // no leap seconds
  ]
  for (const timestamp of bad)
    assert.match(issueFor(withField('timestamp', timestamp), 'timestamp'), /UTC ISO 8601/, timestamp)
})

test('actor must be { id, type } with a known type', () => {
  assert.match(issueFor(withField('actor', 'user-7'), 'actor'), /object/)
  assert.match(issueFor(withField('actor', { type: 'user' }), 'actor'), /id must be a non-empty string/)
  assert.match(
    issueFor(withField('actor', { id: 'x', type: 'robot' }), 'actor'),
    /type must be one of user, system, admin/,
  )
  assert.match(issueFor(withField('actor', { id: 'x' }), 'actor'), /type must be one of/)
})

test('metadata must map names to strings', () => {
  assert.match(issueFor(withField('metadata', { retries: 3 }), 'metadata'), /retries must be a string/)
  assert.match(issueFor(withField('metadata', ['a']), 'metadata'), /object of strings/)
  assert.match(issueFor(withField('metadata', 'a=b'), 'metadata'), /object of strings/)
})

test('payload must be a JSON object', () => {
  for (const payload of [[1, 2], 'text', 42, true]) {
    assert.match(issueFor(withField('payload', payload), 'payload'), /JSON object/)
  }
})

test('a non-object is not an envelope', () => {
  for (const value of [null, 'x', 42, [fullEnvelope()]]) {
    assert.deepEqual(envelopeIssues(value), [{ path: '', message: 'an envelope must be a JSON object' }])
  }
})

test('validateEnvelope throws an EnvelopeError naming every bad field', () => {
  const envelope = { ...fullEnvelope(), id: 'x', version: '1', actor: { id: 'a', type: 'robot' } }
  assert.throws(
    () => validateEnvelope(envelope),
    (err: unknown) => {
      assert.ok(err instanceof EnvelopeError)
      assert.equal(err.code, ErrorCodes.ENVELOPE_INVALID)
      assert.equal(err.retryable, false)
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['id', 'version', 'actor'],
      )
      assert.match(err.message, /^invalid event envelope: id: must be a UUID; version: .*; actor: type must be/)
      return true
    },
  )
})

test('validateEnvelope refuses exactly what envelopeIssues finds a problem with (its quick check included)', () => {
  const fields = [
    'id',
    'type',
    'version',
    'source',
    'timestamp',
    'correlation_id',
    'causation_id',
    'actor',
    'metadata',
    'payload',
  ]
  const values: unknown[] = [undefined, null, '', 'x', 0, [], {}, { id: 'a', type: 'user' }, { k: 1 }, { k: 'v' }]
  const candidates: unknown[] = [null, 'x', [], 1, fullEnvelope(), minimalEnvelope()]
  for (const field of fields) for (const value of values) candidates.push(withField(field, value))
  for (const candidate of candidates) {
    const invalid = envelopeIssues(candidate).length > 0
    let refused = false
    try {
      validateEnvelope(candidate)
    } catch (error) {
      assert.ok(error instanceof EnvelopeError)
      refused = true
    }
    assert.equal(refused, invalid, `${JSON.stringify(candidate)}: refused ${refused}, issues ${String(invalid)}`)
  }
})

test('the hand-written id and timestamp checks answer as their regular expressions, on valid and mutated strings', () => {
  // A deterministic generator: the same strings on every run.
  let seed = 42
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed % n
  }
  const alphabet = '0123456789abcdefABCDEFgGzZT:-.+ \u00e9\u0660'
  const mutate = (s: string): string => {
    const at = next(s.length + 1)
    const c = alphabet[next(alphabet.length)]!
    switch (next(4)) {
      case 0:
        return s.slice(0, at) + c + s.slice(at + 1)
      case 1:
        return s.slice(0, at) + c + s.slice(at)
      case 2:
        return s.slice(0, at) + s.slice(at + 1)
      default:
        return s.slice(0, at)
    }
  }
  const ids = ['0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b', '0190A5B2-7C3D-7E4F-8A9B-0C1D2E3F4A5B', '']
  const times = [
    '2026-01-31T12:00:00Z',
    '2026-01-31T12:00:00.123Z',
    '2026-01-31T12:00:00.123456789+00:00',
    '2026-01-31T12:00:00+00:00',
    '2026-01-31T12:00:00.1234567890Z',
    '2026-01-31T12:00:00.Z',
    '2026-01-31T12:00:00',
  ]
  let valid = 0
  for (const [check, rule, seeds] of [
    [isUuid, UUID, ids],
    [isUtcTimestamp, UTC_TIMESTAMP, times],
  ] as const) {
    for (const start of seeds) {
      let s = start
      for (let i = 0; i < 4_000; i++) {
        assert.equal(check(s), rule.test(s), JSON.stringify(s))
        if (rule.test(s)) valid++
        s = i % 5 === 4 ? start : mutate(s)
      }
    }
  }
  assert.ok(valid > 1_000, `valid strings among those compared: ${valid}`)
})
