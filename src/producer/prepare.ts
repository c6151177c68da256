// From (event, payload, options) to the bytes and headers of a record: validate the payload (the
// schema's output is what is sent), build and validate the envelope, key, encode, check the size.
// Nothing here sends; a failure is returned with what the DLQ needs to know about the record.
import type { Context as TraceContext } from '@opentelemetry/api'
import type { AnyEvent } from '../catalog/event.ts'
import { validateSchema, type Validated } from '../catalog/schema.ts'
import { currentContext, type EventContext } from '../context/context.ts'
import type { EnvelopeCodec } from '../envelope/codec.ts'
import { createEnvelope, newEventId } from '../envelope/create.ts'
import { envelopeHeaders } from '../envelope/headers.ts'
import { resolveCodec } from '../envelope/registry.ts'
import type { Envelope } from '../envelope/types.ts'
import { envelopeIssues } from '../envelope/validate.ts'
import { EnvelopeError, ErrorCodes, KafkitError, PayloadError, errorMessage } from '../errors.ts'
import { recordTooLargeError } from './failures.ts'
import { BATCH_OVERHEAD, estimateBytes } from './record.ts'
import { traceCarrier } from './trace.ts'
import type { PublishOptions } from './types.ts'

export interface PrepareSettings {
  service: string
  /** The producer's codec, for topics that do not name their own. */
  codec: EnvelopeCodec
  maxRecordBytes: number
}

export interface PreparedEvent {
  ok: true
  topic: string
  eventId: string
  correlationId: string
  key: Buffer | undefined
  keyText: string | undefined
  value: Buffer
  headers: Record<string, string | Buffer>
  timestamp: bigint
}

/** A publish that cannot succeed, with what is known of its record (for the DLQ and logs). */
export interface RejectedEvent {
  ok: false
  error: KafkitError
  topic: string
  eventId: string
  correlationId: string | undefined
  keyText: string | undefined
  /** The envelope as the codec would have written it, when it could be encoded. */
  value: Buffer | undefined
  headers: Record<string, string | Buffer>
}

export type Prepared = PreparedEvent | RejectedEvent

export function prepareEvent(
  settings: PrepareSettings,
  event: AnyEvent,
  payload: unknown,
  options: PublishOptions | undefined,
  /** The publish's producer span context, whose traceparent the record carries. */
  traceContext?: TraceContext,
): Prepared | Promise<Prepared> {
  const validated = validateSchema(event.schema, payload)
  return validated instanceof Promise
    ? validated.then((v) => afterValidation(settings, event, payload, options, v, traceContext))
    : afterValidation(settings, event, payload, options, validated, traceContext)
}

function afterValidation(
  settings: PrepareSettings,
  event: AnyEvent,
  raw: unknown,
  options: PublishOptions | undefined,
  validated: Validated<unknown>,
  traceContext: TraceContext | undefined,
): Prepared {
  const now = Date.now()
  const context = currentContext()
  const envelope = buildEnvelope(settings.service, event, validated.ok ? validated.value : raw, options, context, now)
  const codec = resolveCodec(event.topic.codec ?? settings.codec)
  const headers = recordHeaders(envelope, codec, options, context, traceContext)
  if (!validated.ok) {
    const error = new PayloadError(event.type, event.version, validated.issues, { retryable: false })
    return rejected(error, event, envelope, codec, headers, safeKey(event, raw))
  }
  const issues = envelopeIssues(envelope)
  if (issues.length > 0)
    return rejected(new EnvelopeError(issues, { retryable: false }), event, envelope, codec, headers)
  let keyText: string | undefined
  try {
    keyText = options?.key ?? event.topic.keyOf(validated.value as never)
  } catch (err) {
    const error = new PayloadError(event.type, event.version, [
      { path: event.topic.keyField ?? '', message: errorMessage(err) },
    ])
    return rejected(error, event, envelope, codec, headers)
  }
  let encoded
  try {
    encoded = codec.encode(envelope)
  } catch (err) {
    const message = `${event.type}: the ${codec.name} codec could not encode the event: ${errorMessage(err)}`
    const error = new KafkitError(ErrorCodes.ENCODE_FAILED, message, { cause: err })
    return rejected(error, event, envelope, codec, headers, keyText)
  }
  if (encoded.headers) Object.assign(headers, encoded.headers)
  const key = keyText === undefined ? undefined : Buffer.from(keyText)
  const bytes = estimateBytes(key, encoded.value, headers)
  if (bytes + BATCH_OVERHEAD > settings.maxRecordBytes) {
    const facts = { topic: event.topic.name, eventId: envelope.id, eventType: event.type }
    const error = recordTooLargeError(facts, bytes, settings.maxRecordBytes)
    return rejected(error, event, envelope, codec, headers, keyText, encoded.value)
  }
  return {
    ok: true,
    topic: event.topic.name,
    eventId: envelope.id,
    correlationId: envelope.correlation_id,
    key,
    keyText,
    value: encoded.value,
    headers,
    timestamp: BigInt(options?.timestamp === undefined ? now : Date.parse(envelope.timestamp)),
  }
}

function rejected(
  error: KafkitError,
  event: AnyEvent,
  envelope: Envelope,
  codec: EnvelopeCodec,
  headers: Record<string, string | Buffer>,
  keyText?: string,
  value?: Buffer,
): RejectedEvent {
  return {
    ok: false,
    error,
    topic: event.topic.name,
    eventId: envelope.id,
    correlationId: envelope.correlation_id,
    keyText,
    value: value ?? tryEncode(codec, envelope),
    headers,
  }
}

/** Ids flow from the options, else the current context (the event being handled), else are new. */
function buildEnvelope(
  service: string,
  event: AnyEvent,
  payload: unknown,
  options: PublishOptions | undefined,
  context: EventContext | undefined,
  now: number,
): Envelope {
  return createEnvelope({
    id: options?.id ?? newEventId(),
    type: event.type,
    version: event.version,
    source: service,
    payload,
    correlationId: options?.correlationId ?? context?.correlationId,
    causationId: options?.causationId ?? context?.causationId,
    actor: options?.actor ?? context?.actor,
    metadata: options?.metadata,
    timestamp: options?.timestamp ?? new Date(now),
  })
}

/** kafkit's headers win over the caller's: routing and tooling rely on them matching the envelope. */
function recordHeaders(
  envelope: Envelope,
  codec: EnvelopeCodec,
  options: PublishOptions | undefined,
  context: EventContext | undefined,
  traceContext: TraceContext | undefined,
): Record<string, string | Buffer> {
  const carrier = traceCarrier(context, traceContext)
  const headers: Record<string, string | Buffer> = envelopeHeaders(envelope, codec.contentType, carrier)
  for (const name in carrier) if (!(name in headers)) headers[name] = carrier[name]!
  const extra = options?.headers
  if (extra) for (const name in extra) if (!(name in headers)) headers[name] = extra[name]!
  return headers
}

function safeKey(event: AnyEvent, payload: unknown): string | undefined {
  try {
    return event.topic.keyOf(payload as never)
  } catch {
    return undefined
  }
}

function tryEncode(codec: EnvelopeCodec, envelope: Envelope): Buffer | undefined {
  try {
    return codec.encode(envelope).value
  } catch {
    return undefined
  }
}
