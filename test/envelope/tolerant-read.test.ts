// readEnvelope: strict reading is validateEnvelope; tolerant reading (the consumer's default) accepts
// what Go services write without omitempty or .UTC(), normalised to the strict envelope, and says so.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeMode, readEnvelope, type Envelope, type Tolerance } from '../../src/envelope/index.ts'
import { ConfigError, EnvelopeError, ErrorCodes } from '../../src/errors.ts'
import { fullEnvelope, minimalEnvelope } from './fixtures.ts'

/** The JSON a Go struct without omitempty writes when only the required fields are set. */
function goZeroValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...minimalEnvelope(),
    causation_id: '',
    actor: { id: '', type: '' },
    metadata: null,
    ...overrides,
  }
}

function tolerantRead(value: unknown): { envelope: Envelope; tolerated: Tolerance[] | undefined } {
  let tolerated: Tolerance[] | undefined
  const envelope = readEnvelope(value, { onTolerated: (_, list) => (tolerated = [...list]) })
  return { envelope, tolerated }
}

test('a strict envelope reads as itself, the same object, with nothing reported', () => {
  for (const value of [fullEnvelope(), minimalEnvelope()]) {
    const { envelope, tolerated } = tolerantRead(value)
    assert.equal(envelope, value)
    assert.equal(tolerated, undefined)
  }
})

test('empty strings, nulls and a zero-value actor in optional fields read as absent', () => {
  const value = goZeroValues()
  const { envelope, tolerated } = tolerantRead(value)
  assert.deepEqual(envelope, minimalEnvelope())
  for (const field of ['causation_id', 'actor', 'metadata']) assert.ok(!(field in envelope), `${field} is left out`)
  assert.deepEqual(tolerated, ['causation_id.empty', 'actor.zero_value', 'metadata.null'])
  assert.equal(value['causation_id'], '', 'the decoded value itself is not modified')

  const cases: [string, unknown, Tolerance][] = [
    ['causation_id', null, 'causation_id.null'],
    ['actor', null, 'actor.null'],
    ['actor', '', 'actor.empty'],
    ['actor', {}, 'actor.zero_value'],
    ['actor', { id: null, type: '' }, 'actor.zero_value'],
    ['metadata', '', 'metadata.empty'],
  ]
  for (const [field, fieldValue, tolerance] of cases) {
    const read = tolerantRead({ ...minimalEnvelope(), [field]: fieldValue })
    assert.deepEqual(read.envelope, minimalEnvelope(), `${field}: ${JSON.stringify(fieldValue)}`)
    assert.deepEqual(read.tolerated, [tolerance])
  }
})

test('an empty or null correlation_id starts its own flow: the event id becomes it', () => {
  for (const [written, tolerance] of [
    ['', 'correlation_id.empty'],
    [null, 'correlation_id.null'],
  ] as const) {
    const value = { ...minimalEnvelope(), correlation_id: written }
    const { envelope, tolerated } = tolerantRead(value)
    assert.equal(envelope.correlation_id, value.id)
    assert.deepEqual(tolerated, [tolerance])
    assert.throws(() => readEnvelope(value, { mode: 'strict' }), EnvelopeError)
  }
})

test('what is not an absent value stays invalid: half-empty actors, empty required fields', () => {
  for (const value of [
    { ...minimalEnvelope(), actor: { id: 'u-1', type: '' } },
    { ...minimalEnvelope(), actor: { id: '', type: 'user' } },
    { ...minimalEnvelope(), source: '' },
    { ...minimalEnvelope(), correlation_id: '', id: '' },
    goZeroValues({ payload: null }),
  ]) {
    assert.throws(() => readEnvelope(value), EnvelopeError, JSON.stringify(value))
  }
})

test('a timestamp with a UTC offset reads as the same instant in UTC, to the nanosecond', () => {
  const cases: [string, string][] = [
    ['2026-01-31T14:00:00+02:00', '2026-01-31T12:00:00Z'],
    ['2026-01-31T14:00:00.123456789+02:00', '2026-01-31T12:00:00.123456789Z'], // Go's RFC3339Nano
    ['2026-01-31T14:00:00.5+02:00', '2026-01-31T12:00:00.5Z'], // trailing zeros trimmed, as Go writes
    ['2026-03-01T01:30:00-05:30', '2026-03-01T07:00:00Z'],
    ['2026-01-01T01:00:00+02:00', '2025-12-31T23:00:00Z'], // across a year
    ['2028-03-01T00:30:00+01:00', '2028-02-29T23:30:00Z'], // back into a leap day
    ['2026-01-31T12:00:00-00:00', '2026-01-31T12:00:00Z'],
    ['0001-01-01T00:00:00-01:00', '0001-01-01T01:00:00Z'], // Go's zero time, in a zone: not 1901
  ]
  for (const [written, utc] of cases) {
    const { envelope, tolerated } = tolerantRead({ ...minimalEnvelope(), timestamp: written })
    assert.equal(envelope.timestamp, utc, written)
    assert.deepEqual(tolerated, ['timestamp.offset'])
    assert.equal(Date.parse(envelope.timestamp), Date.parse(written), 'the same instant')
  }
  for (const bad of [
    '2026-01-31T14:00:00+24:00',
    '2026-01-31T14:00:00+02:60',
    '2026-02-30T14:00:00+02:00',
    '2026-01-31T14:00:00+0200',
  ]) {
    assert.throws(
      () => readEnvelope({ ...minimalEnvelope(), timestamp: bad }),
      /timestamp: must be a UTC ISO 8601/,
      bad,
    )
  }
})

test('strict reading refuses what tolerant reading accepts, saying how to fix the producer', () => {
  const value = goZeroValues({ timestamp: '2026-01-31T14:00:00+02:00' })
  assert.throws(
    () => readEnvelope(value, { mode: 'strict' }),
    (err: unknown) => {
      assert.ok(err instanceof EnvelopeError)
      assert.equal(err.code, ErrorCodes.ENVELOPE_INVALID)
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['timestamp', 'causation_id', 'actor'],
      )
      assert.match(
        err.message,
        /timestamp: .*got a time with a UTC offset: write UTC \(Go: t\.UTC\(\)\), or consume with decode: 'tolerant'/,
      )
      assert.match(
        err.message,
        /causation_id: must be a non-empty string; got an empty string: leave the field out when it has no value \(Go: omitempty\)/,
      )
      assert.match(err.message, /actor: id must be a non-empty string; got a zero-value actor/)
      return true
    },
  )
  // Nulls were accepted before tolerant reading existed: strict reading still accepts them, as is.
  const withNull = { ...minimalEnvelope(), causation_id: null }
  assert.equal(readEnvelope(withNull, { mode: 'strict' }), withNull)
})

test('the decode option is "tolerant" (the default) or "strict"', () => {
  assert.equal(decodeMode(undefined), 'tolerant')
  assert.equal(decodeMode('tolerant'), 'tolerant')
  assert.equal(decodeMode('strict'), 'strict')
  assert.throws(
    () => decodeMode('lenient'),
    (err: unknown) => err instanceof ConfigError && /decode: "lenient" is not "tolerant" or "strict"/.test(err.message),
  )
})
