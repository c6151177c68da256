// W3C trace context for a published record: from the active OpenTelemetry context when an SDK is
// registered, else from the kafkit context (a handler continuing the trace of the event it handles).
import { context, propagation, type Context } from '@opentelemetry/api'
import type { EventContext } from '../context/context.ts'

/**
 * Propagation fields (traceparent, tracestate, baggage, ...) to write as headers. `traceContext` is
 * the publish's own span context (its producer span), else the active one.
 */
export function traceCarrier(
  eventContext: EventContext | undefined,
  traceContext: Context = context.active(),
): Record<string, string> {
  const carrier: Record<string, string> = {}
  // A no-op without a registered SDK; with one, it writes the span's context.
  propagation.inject(traceContext, carrier)
  if (carrier['traceparent'] === undefined && eventContext?.traceparent) {
    carrier['traceparent'] = eventContext.traceparent
    if (eventContext.tracestate) carrier['tracestate'] = eventContext.tracestate
  }
  return carrier
}
