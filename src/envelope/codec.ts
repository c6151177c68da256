// Wire formats. The canonical JSON envelope is the default; others are codecs beside it, so the
// producer and consumer never change to add one.
import { DecodeError, errorMessage } from '../errors.ts'
import { Headers } from './headers.ts'
import type { Envelope } from './types.ts'

export interface EncodedValue {
  value: Buffer
  /** Headers the format itself needs (CloudEvents binary mode), besides kafkit's standard ones. */
  headers?: Record<string, string>
}

export interface EnvelopeCodec {
  readonly name: string
  /** Written to the `content-type` header. */
  readonly contentType: string
  encode(envelope: Envelope): EncodedValue
  /** Rebuilds an envelope-shaped value (validated afterwards). Throws DecodeError on bad bytes. */
  decode(value: Buffer, headers: ReadonlyMap<string, string>): unknown
  /** Whether a consumed record is in this format, judged from its headers. */
  matches(headers: ReadonlyMap<string, string>): boolean
}

export function parseJson(value: Buffer, what: string): unknown {
  try {
    // toString() without arguments is UTF-8 and skips the encoding lookup (this runs for every record).
    return JSON.parse(value.toString())
  } catch (err) {
    throw new DecodeError(`${what} is not valid JSON: ${errorMessage(err)}`, { cause: err, retryable: false })
  }
}

/** The canonical envelope as UTF-8 JSON (`application/json`). */
export const jsonCodec: EnvelopeCodec = {
  name: 'json',
  contentType: 'application/json',
  encode: (envelope) => ({ value: Buffer.from(JSON.stringify(envelope)) }),
  decode: (value) => fromSeriesShape(parseJson(value, 'the record value')),
  matches: (headers) => {
    const type = headers.get(Headers.contentType)
    return type === undefined || type.startsWith('application/json')
  },
}

/**
 * Records from producers that use the Series field names (`event_id`, `event_type`, `schema_version`,
 * `source_service`) decode to the canonical envelope, so both kinds can share a topic. Series makes
 * `correlation_id` optional and `metadata` a map of any JSON: a message without a correlation id
 * starts its own flow (its id becomes the correlation id), and non-string metadata values become
 * their JSON text, so valid Series messages are valid envelopes.
 */
function fromSeriesShape(value: unknown): unknown {
  // The canonical envelope (with an id) is the common case: one lookup that succeeds, before the one that fails.
  if (typeof value !== 'object' || value === null || 'id' in value || !('event_id' in value)) return value
  const { event_id, event_type, schema_version, source_service, ...rest } = value as Record<string, unknown>
  const envelope: Record<string, unknown> = {
    ...rest,
    id: event_id,
    type: event_type,
    version: schema_version,
    source: source_service,
    correlation_id: rest['correlation_id'] ?? event_id,
  }
  const metadata = rest['metadata']
  if (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)) {
    envelope['metadata'] = Object.fromEntries(
      Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    )
  }
  return envelope
}

/** The Series SDK's BaseMessage field names; decoded by the JSON codec. */
export const seriesCodec: EnvelopeCodec = {
  name: 'series',
  contentType: 'application/json',
  encode: (envelope) => {
    const { id, type, version, source, ...rest } = envelope
    const message = { event_id: id, event_type: type, schema_version: version, source_service: source, ...rest }
    return { value: Buffer.from(JSON.stringify(message)) }
  },
  decode: (value, headers) => jsonCodec.decode(value, headers),
  matches: (headers) => jsonCodec.matches(headers),
}
