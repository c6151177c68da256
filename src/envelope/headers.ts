// Record headers that let routing and tooling work without parsing the value.
import type { Envelope } from './types.ts'

export const Headers = {
  eventType: 'event-type',
  eventId: 'event-id',
  eventVersion: 'event-version',
  eventSource: 'event-source',
  contentType: 'content-type',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const

export interface TraceHeaders {
  traceparent?: string | undefined
  tracestate?: string | undefined
}

/** The standard headers of a record carrying `envelope`, encoded with `contentType`. */
export function envelopeHeaders(
  envelope: Envelope,
  contentType: string,
  trace: TraceHeaders = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    [Headers.eventType]: envelope.type,
    [Headers.eventId]: envelope.id,
    [Headers.eventVersion]: envelope.version,
    [Headers.eventSource]: envelope.source,
    [Headers.contentType]: contentType,
    [Headers.correlationId]: envelope.correlation_id,
  }
  if (envelope.causation_id !== undefined) headers[Headers.causationId] = envelope.causation_id
  if (trace.traceparent) headers[Headers.traceparent] = trace.traceparent
  if (trace.tracestate) headers[Headers.tracestate] = trace.tracestate
  return headers
}

/** Header values as strings, from whatever the wire client delivered (Buffers, last value wins). */
export function headersToStrings(headers: ReadonlyMap<unknown, unknown> | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!headers) return out
  for (const [key, value] of headers) {
    out.set(
      String(Buffer.isBuffer(key) ? key.toString('utf8') : key),
      Buffer.isBuffer(value) ? value.toString('utf8') : String(value),
    )
  }
  return out
}
