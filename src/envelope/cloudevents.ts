// CloudEvents 1.0 over Kafka (structured and binary content modes). kafkit-only envelope fields
// travel as extension attributes: eventversion, correlationid, causationid, actorid, actortype,
// metadata (a JSON string, since extension values must be scalars).
import { DecodeError } from '../errors.ts'
import { parseJson, type EnvelopeCodec } from './codec.ts'
import { Headers } from './headers.ts'
import type { Envelope } from './types.ts'

type Attributes = Record<string, string>

function toAttributes(envelope: Envelope): Attributes {
  const attrs: Attributes = {
    specversion: '1.0',
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.timestamp,
    eventversion: envelope.version,
    correlationid: envelope.correlation_id,
  }
  if (envelope.causation_id !== undefined) attrs['causationid'] = envelope.causation_id
  if (envelope.actor !== undefined) {
    attrs['actorid'] = envelope.actor.id
    attrs['actortype'] = envelope.actor.type
  }
  if (envelope.metadata !== undefined) attrs['metadata'] = JSON.stringify(envelope.metadata)
  return attrs
}

function fromAttributes(attrs: Record<string, unknown>, payload: unknown): unknown {
  const envelope: Record<string, unknown> = {
    id: attrs['id'],
    type: attrs['type'],
    version: attrs['eventversion'],
    source: attrs['source'],
    timestamp: attrs['time'],
    correlation_id: attrs['correlationid'],
    payload,
  }
  if (attrs['causationid'] !== undefined) envelope['causation_id'] = attrs['causationid']
  if (attrs['actorid'] !== undefined) envelope['actor'] = { id: attrs['actorid'], type: attrs['actortype'] }
  if (typeof attrs['metadata'] === 'string') {
    try {
      envelope['metadata'] = JSON.parse(attrs['metadata'])
    } catch (err) {
      throw new DecodeError('the CloudEvents "metadata" extension is not JSON', { cause: err, retryable: false })
    }
  }
  return envelope
}

export const cloudEventsStructuredCodec: EnvelopeCodec = {
  name: 'cloudevents-structured',
  contentType: 'application/cloudevents+json',
  encode: (envelope) => {
    const event = { ...toAttributes(envelope), datacontenttype: 'application/json', data: envelope.payload }
    return { value: Buffer.from(JSON.stringify(event)) }
  },
  decode: (value) => {
    const event = parseJson(value, 'the CloudEvent')
    if (typeof event !== 'object' || event === null) throw new DecodeError('a CloudEvent must be a JSON object')
    const attrs = event as Record<string, unknown>
    return fromAttributes(attrs, attrs['data'])
  },
  matches: (headers) => headers.get(Headers.contentType)?.startsWith('application/cloudevents+json') ?? false,
}

const CE_PREFIX = 'ce_'

export const cloudEventsBinaryCodec: EnvelopeCodec = {
  name: 'cloudevents-binary',
  contentType: 'application/json',
  encode: (envelope) => {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(toAttributes(envelope))) headers[CE_PREFIX + name] = value
    return { value: Buffer.from(JSON.stringify(envelope.payload)), headers }
  },
  decode: (value, headers) => {
    const attrs: Record<string, string> = {}
    for (const [name, v] of headers) if (name.startsWith(CE_PREFIX)) attrs[name.slice(CE_PREFIX.length)] = v
    return fromAttributes(attrs, parseJson(value, 'the CloudEvent data'))
  },
  matches: (headers) => headers.has(`${CE_PREFIX}specversion`),
}
