// Envelope validation. Hand-written rather than schema-driven: it runs for every record consumed,
// and names each faulty field.
import { EnvelopeError, type ValidationIssue } from '../errors.ts'
import { ACTOR_TYPES, type Envelope } from './types.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** `domain.action`: lower-case segments of letters, digits and underscores, at least two. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/
export const VERSION = /^\d+\.\d+$/
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|\+00:00)$/

type Check = (value: unknown) => string | undefined

const nonEmptyString: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string')

const checks: Record<string, { required: boolean; check: Check }> = {
  id: { required: true, check: (v) => (typeof v === 'string' && UUID.test(v) ? undefined : 'must be a UUID') },
  type: {
    required: true,
    check: (v) =>
      typeof v === 'string' && EVENT_TYPE.test(v) ? undefined : 'must be "domain.action" (e.g. "user.registered")',
  },
  version: {
    required: true,
    check: (v) => (typeof v === 'string' && VERSION.test(v) ? undefined : 'must be "major.minor" (e.g. "1.0")'),
  },
  source: { required: true, check: nonEmptyString },
  timestamp: {
    required: true,
    check: (v) =>
      typeof v === 'string' && UTC_TIMESTAMP.test(v) && isCalendarTime(v)
        ? undefined
        : 'must be a UTC ISO 8601 time (e.g. "2026-01-31T12:00:00.000Z")',
  },
  correlation_id: { required: true, check: nonEmptyString },
  causation_id: { required: false, check: nonEmptyString },
  actor: { required: false, check: checkActor },
  metadata: { required: false, check: checkMetadata },
  payload: {
    required: true,
    check: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be a JSON object'),
  },
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

/** Returns the value typed as an envelope, or throws an EnvelopeError naming each bad field. */
export function validateEnvelope(value: unknown): Envelope {
  const issues = envelopeIssues(value)
  if (issues.length > 0) throw new EnvelopeError(issues)
  return value as Envelope
}
