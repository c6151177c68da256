// From (event, payload, options) to the bytes and headers of a record: validate the payload (the
// schema's output is what is sent), build and validate the envelope, key, encode, check the size.
// Nothing here sends; a failure is returned with what the DLQ needs to know about the record.
import type { Context as TraceContext } from '@opentelemetry/api'
import type { AnyEvent } from '../catalog/event.ts'
import { validateSchema, type Validated } from '../catalog/schema.ts'
import { currentContext, type EventContext } from '../context/context.ts'
import { jsonCodec, type EncodedValue, type EnvelopeCodec } from '../envelope/codec.ts'
import { createEnvelope, newEventId } from '../envelope/create.ts'
import { envelopeHeaders, Headers as EnvelopeHeaders } from '../envelope/headers.ts'
import { resolveCodec } from '../envelope/registry.ts'
import type { Envelope } from '../envelope/types.ts'
import { envelopeIssues } from '../envelope/validate.ts'
import { ConfigError, EnvelopeError, ErrorCodes, KafkitError, PayloadError, errorMessage } from '../errors.ts'
import type { RegistryEncoder } from '../registry/encoder.ts'
import { isRegistryCodecName, type RegistryCodecName } from '../registry/names.ts'
import { recordTooLargeError } from './failures.ts'
import { BATCH_OVERHEAD, estimateBytes } from './record.ts'
import { traceCarrier } from './trace.ts'
import type { PublishOptions } from './types.ts'

export interface PrepareSettings {
  service: string
  /** The producer's codec, for topics that do not name their own. */
  codec: EnvelopeCodec
  maxRecordBytes: number
  /** The encoder of a schema-registry codec; undefined when the producer has no registry. */
  registryEncoder?: ((name: RegistryCodecName) => RegistryEncoder) | undefined
  /** Told of every publish of a deprecated event version (for the warning and the metric). */
  onDeprecated?: ((event: AnyEvent) => void) | undefined
  /**
   * The bytes of header values that repeat from record to record (event type, version, source,
   * content type), made once: the wire client would otherwise encode each string for every record.
   * Set by the producer, whose records go straight to the wire client.
   */
  headerBytes?: HeaderBytes | undefined
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
  /** The record's estimated size in a batch (see estimateBytes). */
  bytes: number
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
): Prepared | Promise<Prepared> {
  const now = Date.now()
  const context = currentContext()
  const envelope = buildEnvelope(settings.service, event, validated.ok ? validated.value : raw, options, context, now)
  const topicCodec = event.topic.codec
  const registry = isRegistryCodecName(topicCodec) ? registryEncoder(settings, event, topicCodec) : undefined
  // A registry-encoded event that cannot be sent is dead-lettered (if asked) as a JSON envelope.
  const codec = isRegistryCodecName(topicCodec) ? jsonCodec : resolveCodec(topicCodec ?? settings.codec)
  const contentType = registry instanceof KafkitError || !registry ? codec.contentType : registry.contentType
  const headers = recordHeaders(envelope, contentType, options, context, traceContext)
  if (settings.headerBytes) settings.headerBytes.constants(headers)
  if (!validated.ok) {
    const error = new PayloadError(event.type, event.version, validated.issues, { retryable: false })
    return rejected(error, event, envelope, codec, headers, safeKey(event, raw))
  }
  const issues = ownFields(options, context) ? generatedEnvelopeIssues(envelope, event) : envelopeIssues(envelope)
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
  if (event.deprecated) settings.onDeprecated?.(event)
  const encoded = (encoded: EncodedValue) =>
    afterEncoding(settings, event, envelope, codec, headers, keyText, encoded, options, now)
  if (registry instanceof KafkitError) return rejected(registry, event, envelope, codec, headers, keyText)
  if (registry) {
    const failed = (err: unknown) =>
      rejected(
        KafkitError.is(err) ? err : encodeError(event, registry.name, err),
        event,
        envelope,
        codec,
        headers,
        keyText,
      )
    let result
    try {
      result = registry.encode(envelope, event)
    } catch (err) {
      return failed(err)
    }
    return result instanceof Promise ? result.then(encoded, failed) : encoded(result)
  }
  try {
    return encoded(codec.encode(envelope))
  } catch (err) {
    return rejected(encodeError(event, codec.name, err), event, envelope, codec, headers, keyText)
  }
}

function afterEncoding(
  settings: PrepareSettings,
  event: AnyEvent,
  envelope: Envelope,
  codec: EnvelopeCodec,
  headers: Record<string, string | Buffer>,
  keyText: string | undefined,
  encoded: EncodedValue,
  options: PublishOptions | undefined,
  now: number,
): Prepared {
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
    timestamp: options?.timestamp === undefined ? bigTime(now) : BigInt(Date.parse(envelope.timestamp)),
    bytes,
  }
}

function encodeError(event: AnyEvent, codec: string, err: unknown): KafkitError {
  const message = `${event.type}: the ${codec} codec could not encode the event: ${errorMessage(err)}`
  return new KafkitError(ErrorCodes.ENCODE_FAILED, message, { cause: err })
}

function registryEncoder(
  settings: PrepareSettings,
  event: AnyEvent,
  name: RegistryCodecName,
): RegistryEncoder | KafkitError {
  if (settings.registryEncoder) return settings.registryEncoder(name)
  return new ConfigError(
    `topic ${event.topic.name} uses the ${name} codec, but this producer has no schema registry: set SCHEMA_REGISTRY_URL or pass \`registry\``,
  )
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

/** Ids flow from the options, else the current context (the event being handled), else the event's own. */
function buildEnvelope(
  service: string,
  event: AnyEvent,
  payload: unknown,
  options: PublishOptions | undefined,
  context: EventContext | undefined,
  now: number,
): Envelope {
  const id = options?.id ?? newEventId()
  return createEnvelope({
    id,
    type: event.type,
    version: event.version,
    source: service,
    payload,
    // Outside any flow the event starts its own: its id is the correlation id (as when decoding a
    // Series message without one), which also spares a second id per record.
    correlationId: options?.correlationId ?? context?.correlationId ?? id,
    causationId: options?.causationId ?? context?.causationId,
    actor: options?.actor ?? context?.actor,
    metadata: options?.metadata,
    timestamp: options?.timestamp ?? isoTime(now),
  })
}

// Records published within the same millisecond share its ISO text (toISOString costs about as
// much as the rest of the envelope) and its BigInt record timestamp.
let isoAt = NaN
let isoText = ''
let bigAt = NaN
let bigValue = 0n

function bigTime(now: number): bigint {
  if (now !== bigAt) {
    bigValue = BigInt(now)
    bigAt = now
  }
  return bigValue
}

function isoTime(now: number): string {
  if (now !== isoAt) {
    isoText = new Date(now).toISOString()
    isoAt = now
  }
  return isoText
}

/** kafkit's headers win over the caller's: routing and tooling rely on them matching the envelope. */
function recordHeaders(
  envelope: Envelope,
  contentType: string,
  options: PublishOptions | undefined,
  context: EventContext | undefined,
  traceContext: TraceContext | undefined,
): Record<string, string | Buffer> {
  const carrier = traceCarrier(context, traceContext)
  const headers: Record<string, string | Buffer> = envelopeHeaders(envelope, contentType, carrier)
  for (const name in carrier) if (!(name in headers)) headers[name] = carrier[name]!
  const extra = options?.headers
  if (extra) for (const name in extra) if (!(name in headers)) headers[name] = extra[name]!
  return headers
}

/**
 * Whether every envelope field is kafkit's own making: an id and correlation id from newEventId, the
 * time from the clock, nothing from the options or the context. Those fields are valid by
 * construction, so only what comes from elsewhere is checked (the full check costs a few regular
 * expressions per record).
 */
function ownFields(options: PublishOptions | undefined, context: EventContext | undefined): boolean {
  if (context !== undefined) return false
  if (options === undefined) return true
  return (
    options.id === undefined &&
    options.correlationId === undefined &&
    options.causationId === undefined &&
    options.actor === undefined &&
    options.metadata === undefined &&
    options.timestamp === undefined
  )
}

/** Events whose type and version were found valid (defineEvent checks them; a hand-made event may not). */
const checkedEvents = new WeakSet<AnyEvent>()

/** The issues of an envelope whose ids and time kafkit made: any problem gets the full report. */
function generatedEnvelopeIssues(envelope: Envelope, event: AnyEvent): ReturnType<typeof envelopeIssues> {
  const payload = envelope.payload
  const suspect =
    typeof payload !== 'object' ||
    payload === null ||
    Array.isArray(payload) ||
    typeof envelope.source !== 'string' ||
    envelope.source.length === 0 ||
    !checkedEvents.has(event)
  if (!suspect) return []
  const issues = envelopeIssues(envelope)
  if (issues.length === 0) checkedEvents.add(event)
  return issues
}

/** Buffers of repeating header values, made once per distinct value (a bounded number of them). */
export class HeaderBytes {
  readonly #values = new Map<string, Buffer>()
  readonly #max: number

  constructor(max = 1024) {
    this.#max = max
  }

  /** Replaces the values of the headers that repeat (type, version, source, content type) with their bytes. */
  constants(headers: Record<string, string | Buffer>): void {
    for (const name of CONSTANT_HEADERS) {
      const value = headers[name]
      if (typeof value === 'string') headers[name] = this.bytes(value)
    }
  }

  bytes(value: string): Buffer {
    let bytes = this.#values.get(value)
    if (bytes === undefined) {
      bytes = Buffer.from(value)
      if (this.#values.size < this.#max) this.#values.set(value, bytes)
    }
    return bytes
  }
}

const CONSTANT_HEADERS = [
  EnvelopeHeaders.eventType,
  EnvelopeHeaders.eventVersion,
  EnvelopeHeaders.eventSource,
  EnvelopeHeaders.contentType,
] as const

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
