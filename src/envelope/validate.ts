// Envelope validation. Hand-written rather than schema-driven: it runs for every record consumed,
// and names each faulty field. kafkit writes the strict envelope; consumers read tolerantly by
// default (readEnvelope): what Go services write without `omitempty` or `.UTC()` is normalised to
// the strict form, and reported so the producers can be fixed.
import { ConfigError, EnvelopeError, type ValidationIssue } from '../errors.ts'
import { ACTOR_TYPES, type Envelope } from './types.ts'

/** The rule isUuid checks, by hand (see there); tests hold the two to the same answers. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** `domain.action`: lower-case segments of letters, digits and underscores, at least two. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/
export const VERSION = /^\d+\.\d+$/
/** The rule isUtcTimestamp checks, by hand (see there); tests hold the two to the same answers. */
export const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$/

// Ids and timestamps differ in every record, so their checks run each time on a string just parsed:
// on such strings a loop over the characters costs about half of what the regular expression does.

const isDigit = (c: number) => c >= 48 && c <= 57
const isHex = (c: number) => isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102)

/** UUID.test(v): 8-4-4-4-12 hexadecimal digits, either case. */
export function isUuid(v: string): boolean {
  if (v.length !== 36) return false
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i)
    if (i === 8 || i === 13 || i === 18 || i === 23 ? c !== 45 : !isHex(c)) return false
  }
  return true
}

/** The seconds-precision part of a UTC timestamp: `d` a digit, any other character itself. */
const SECONDS_PART = 'dddd-dd-ddTdd:dd:dd'

/** UTC_TIMESTAMP.test(v): `YYYY-MM-DDTHH:MM:SS`, 1 to 9 fractional digits or none, then `Z` or `+00:00`. */
export function isUtcTimestamp(v: string): boolean {
  const length = v.length
  if (length < 20) return false
  for (let i = 0; i < 19; i++) {
    const want = SECONDS_PART.charCodeAt(i)
    const c = v.charCodeAt(i)
    if (want === 100 ? !isDigit(c) : c !== want) return false
  }
  let i = 19
  if (v.charCodeAt(i) === 46) {
    const from = ++i
    while (i < length && isDigit(v.charCodeAt(i))) i++
    if (i === from || i - from > 9) return false
  }
  if (length - i === 1) return v.charCodeAt(i) === 90
  return length - i === 6 && v.endsWith('+00:00')
}

type Check = (value: unknown) => string | undefined

const nonEmptyString: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string')
const checkId: Check = (v) => (typeof v === 'string' && isUuid(v) ? undefined : 'must be a UUID')
/**
 * The last type and version that matched: a topic's records repeat a few of them, and comparing a
 * string with the last one costs less than matching it (this runs for every record consumed).
 */
let matchedType: string | undefined
let matchedVersion: string | undefined
function isType(v: string): boolean {
  if (v === matchedType) return true
  if (!EVENT_TYPE.test(v)) return false
  matchedType = v
  return true
}
function isVersion(v: string): boolean {
  if (v === matchedVersion) return true
  if (!VERSION.test(v)) return false
  matchedVersion = v
  return true
}
const checkType: Check = (v) =>
  typeof v === 'string' && isType(v) ? undefined : 'must be "domain.action" (e.g. "user.registered")'
const checkVersion: Check = (v) =>
  typeof v === 'string' && isVersion(v) ? undefined : 'must be "major.minor" (e.g. "1.0")'
const checkTimestamp: Check = (v) =>
  typeof v === 'string' && isUtcTimestamp(v) && isCalendarTime(v)
    ? undefined
    : 'must be a UTC ISO 8601 time (e.g. "2026-01-31T12:00:00.000Z")'
const checkPayload: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be a JSON object'

const checks: Record<string, { required: boolean; check: Check }> = {
  id: { required: true, check: checkId },
  type: { required: true, check: checkType },
  version: { required: true, check: checkVersion },
  source: { required: true, check: nonEmptyString },
  timestamp: { required: true, check: checkTimestamp },
  correlation_id: { required: true, check: nonEmptyString },
  causation_id: { required: false, check: nonEmptyString },
  actor: { required: false, check: checkActor },
  metadata: { required: false, check: checkMetadata },
  payload: { required: true, check: checkPayload },
}

const absent = (v: unknown) => v === undefined || v === null
const passes = (check: Check, v: unknown) => !absent(v) && check(v) === undefined
const passesIfPresent = (check: Check, v: unknown) => absent(v) || check(v) === undefined

/**
 * Whether envelopeIssues would find nothing, allocating nothing: the fields of `checks`, read by
 * name (a record's envelopes share one shape, so each read is a monomorphic load). Runs for every
 * record consumed, nearly all valid; envelopeIssues explains the others.
 */
function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const e = value as Partial<Record<keyof typeof checks, unknown>>
  return (
    passes(checkId, e.id) &&
    passes(checkType, e.type) &&
    passes(checkVersion, e.version) &&
    passes(nonEmptyString, e.source) &&
    passes(checkTimestamp, e.timestamp) &&
    passes(nonEmptyString, e.correlation_id) &&
    passesIfPresent(nonEmptyString, e.causation_id) &&
    passesIfPresent(checkActor, e.actor) &&
    passesIfPresent(checkMetadata, e.metadata) &&
    passes(checkPayload, e.payload)
  )
}

/**
 * Whether the fields of a string that matched UTC_TIMESTAMP name a real time: month 1-12, a day the
 * month has (leap years included), hour 0-23, minute and second 0-59. Checked on the digits rather
 * than with Date.parse, which rolls "02-30" over to March 2nd and costs more than all the other
 * checks together on a path that runs for every record published and consumed.
 */
function isCalendarTime(v: string): boolean {
  const year = digits(v, 0, 4)
  const month = digits(v, 5, 2)
  const day = digits(v, 8, 2)
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits(v, 11, 2) <= 23 &&
    digits(v, 14, 2) <= 59 &&
    digits(v, 17, 2) <= 59
  )
}

/** The number written by `length` ASCII digits at `from` (the caller has checked they are digits). */
function digits(v: string, from: number, length: number): number {
  let n = 0
  for (let i = from; i < from + length; i++) n = n * 10 + v.charCodeAt(i) - 48
  return n
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function checkActor(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'must be an object { id, type }'
  const actor = v as Record<string, unknown>
  if (typeof actor['id'] !== 'string' || actor['id'].length === 0) return 'id must be a non-empty string'
  if (!ACTOR_TYPES.includes(actor['type'] as never)) return `type must be one of ${ACTOR_TYPES.join(', ')}`
  return undefined
}

function checkMetadata(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object of strings'
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string') return `${key} must be a string`
  }
  return undefined
}

/** Lists every problem with a candidate envelope; empty when it is valid. Unknown fields are ignored. */
export function envelopeIssues(value: unknown): ValidationIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: '', message: 'an envelope must be a JSON object' }]
  }
  const record = value as Record<string, unknown>
  const issues: ValidationIssue[] = []
  for (const field in checks) {
    const rule = checks[field]!
    const v = record[field]
    if (v === undefined || v === null) {
      if (rule.required) issues.push({ path: field, message: 'is required' })
      continue
    }
    const problem = rule.check(v)
    if (problem !== undefined) issues.push({ path: field, message: problem })
  }
  return issues
}

/**
 * Returns the value typed as an envelope, or throws an EnvelopeError naming each bad field. Strict:
 * what tolerant decoding would accept is refused, with a message that says how to fix it.
 */
export function validateEnvelope(value: unknown): Envelope {
  // Checked first without collecting anything: this runs for every record consumed, nearly all valid.
  if (isEnvelope(value)) return value
  const issues = envelopeIssues(value)
  if (issues.length > 0) throw new EnvelopeError(explained(value, issues))
  return value as Envelope
}

/**
 * How a consumer reads envelopes. `tolerant` (the default) accepts what real producers write besides
 * the strict envelope and normalises it: an optional field that is null, an empty string or a
 * zero-value actor is absent; a timestamp with a UTC offset is converted to UTC (the same instant, to
 * the nanosecond). `strict` accepts only the envelope kafkit writes.
 */
export type DecodeMode = 'tolerant' | 'strict'

/** What tolerant decoding accepted, as `field.kind` (the value of the metric attribute). */
export type Tolerance =
  | `${'causation_id' | 'actor' | 'metadata' | 'correlation_id'}.${'null' | 'empty'}`
  | 'actor.zero_value'
  | 'timestamp.offset'

export interface ReadEnvelopeOptions {
  /** Default `tolerant`. */
  mode?: DecodeMode | undefined
  /** Told of every envelope tolerant decoding normalised, and what it tolerated (for metrics). */
  onTolerated?: ((envelope: Envelope, tolerated: readonly Tolerance[]) => void) | undefined
}

/** A `decode` option checked: undefined (the default, tolerant) or one of the modes. */
export function decodeMode(value: unknown, option = 'decode'): DecodeMode {
  if (value === undefined || value === 'tolerant') return 'tolerant'
  if (value === 'strict') return 'strict'
  throw new ConfigError(`${option}: ${JSON.stringify(value) ?? typeof value} is not "tolerant" or "strict"`, [
    { path: option, message: 'must be "tolerant" or "strict"' },
  ])
}

/** A decoded value as an envelope, read as `options.mode` says; throws an EnvelopeError otherwise. */
export function readEnvelope(value: unknown, options: ReadEnvelopeOptions = {}): Envelope {
  if (options.mode === 'strict' || typeof value !== 'object' || value === null) return validateEnvelope(value)
  const found = tolerated(value as Record<string, unknown>)
  if (found === undefined) return validateEnvelope(value)
  const envelope = validateEnvelope(found.normalised)
  options.onTolerated?.(envelope, found.tolerances)
  return envelope
}

const OPTIONAL_FIELDS = ['causation_id', 'actor', 'metadata'] as const
const OFFSET_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([+-])(\d{2}):(\d{2})$/

/**
 * What a record holds that only tolerant decoding accepts, and the record normalised (a shallow
 * copy); undefined when there is nothing to tolerate (the common case costs a few property reads).
 */
function tolerated(
  record: Record<string, unknown>,
): { tolerances: Tolerance[]; normalised: Record<string, unknown> } | undefined {
  let tolerances: Tolerance[] | undefined
  // The common case first, with reads by name (OPTIONAL_FIELDS): nothing to tolerate there.
  const optionalEmpty =
    emptiness('causation_id', record['causation_id']) !== undefined ||
    emptiness('actor', record['actor']) !== undefined ||
    emptiness('metadata', record['metadata']) !== undefined
  if (optionalEmpty) {
    for (const field of OPTIONAL_FIELDS) {
      const kind = emptiness(field, record[field])
      if (kind !== undefined) (tolerances ??= []).push(`${field}.${kind}` as Tolerance)
    }
  }
  // A flow without a correlation id starts its own: the event's id becomes it (as the Series codec does).
  const correlation = emptiness('correlation_id', record['correlation_id'])
  const startsFlow = correlation !== undefined && typeof record['id'] === 'string' && record['id'] !== ''
  if (startsFlow) (tolerances ??= []).push(`correlation_id.${correlation as 'null' | 'empty'}`)
  const utc = toUtc(record['timestamp'])
  if (utc !== undefined) (tolerances ??= []).push('timestamp.offset')
  if (tolerances === undefined) return undefined
  const normalised = { ...record }
  for (const field of OPTIONAL_FIELDS) if (emptiness(field, record[field]) !== undefined) delete normalised[field]
  if (startsFlow) normalised['correlation_id'] = record['id']
  if (utc !== undefined) normalised['timestamp'] = utc
  return { tolerances, normalised }
}

/** How an optional field's value stands for "absent" in a Go struct without omitempty, if it does. */
function emptiness(field: string, value: unknown): 'null' | 'empty' | 'zero_value' | undefined {
  if (value === null) return 'null'
  if (value === '') return 'empty'
  if (field === 'actor' && typeof value === 'object' && !Array.isArray(value)) {
    const actor = value as Record<string, unknown>
    if (isBlank(actor['id']) && isBlank(actor['type'])) return 'zero_value'
  }
  return undefined
}

const isBlank = (v: unknown) => v === undefined || v === null || v === ''

/**
 * The UTC form of a timestamp written with a non-zero UTC offset (`2026-01-31T14:00:00.5+02:00` →
 * `2026-01-31T12:00:00.5Z`), keeping every fractional digit; undefined for any other value.
 */
function toUtc(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.endsWith('Z') || value.endsWith('+00:00')) return undefined
  const m = OFFSET_TIMESTAMP.exec(value)
  if (!m || !isCalendarTime(value) || Number(m[9]) > 23 || Number(m[10]) > 59) return undefined
  const offsetMinutes = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]))
  const local = new Date(0)
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  local.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  local.setUTCHours(Number(m[4]), Number(m[5]) - offsetMinutes, Number(m[6]), 0)
  const iso = local.toISOString()
  // Offsets are whole minutes: only the seconds part above the fraction changes.
  return `${iso.slice(0, 19)}${m[7] ?? ''}Z`
}

const HINTS: Record<'empty' | 'zero_value' | 'offset', string> = {
  empty: 'an empty string: leave the field out when it has no value (Go: omitempty)',
  zero_value: 'a zero-value actor: leave it out when there is none (Go: a pointer with omitempty)',
  offset: 'a time with a UTC offset: write UTC (Go: t.UTC())',
}

/** Issues, where tolerant decoding would have accepted the value, say so and how to fix the producer. */
function explained(value: unknown, issues: ValidationIssue[]): ValidationIssue[] {
  if (typeof value !== 'object' || value === null) return issues
  const found = tolerated(value as Record<string, unknown>)
  if (found === undefined) return issues
  return issues.map((issue) => {
    const tolerance = found.tolerances.find((t) => t.startsWith(`${issue.path}.`))
    const kind = tolerance?.slice(issue.path.length + 1) as keyof typeof HINTS | undefined
    if (kind === undefined || !(kind in HINTS)) return issue
    return { ...issue, message: `${issue.message}; got ${HINTS[kind]}, or consume with decode: 'tolerant'` }
  })
}
