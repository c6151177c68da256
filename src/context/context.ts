// The flow an event belongs to, carried across awaits: correlation and causation ids, actor, trace.
import { AsyncLocalStorage } from 'node:async_hooks'
import { newEventId } from '../envelope/create.ts'
import type { TraceHeaders } from '../envelope/headers.ts'
import type { Actor, Envelope } from '../envelope/types.ts'

export interface EventContext {
  correlationId: string
  /** The id of the event being handled, which becomes `causation_id` of what is published. */
  causationId?: string | undefined
  actor?: Actor | undefined
  /** W3C trace context to continue when no OpenTelemetry SDK supplies an active span. */
  traceparent?: string | undefined
  tracestate?: string | undefined
}

const storage = new AsyncLocalStorage<EventContext>()

export function currentContext(): EventContext | undefined {
  return storage.getStore()
}

/**
 * Runs `fn` inside a context. Fields not given are inherited from the enclosing context; a missing
 * correlation id is generated, so everything published inside shares one.
 */
export function runWithContext<T>(context: Partial<EventContext>, fn: () => T): T {
  const parent = storage.getStore()
  const merged: EventContext = {
    ...parent,
    ...definedOnly(context),
    correlationId: context.correlationId ?? parent?.correlationId ?? newEventId(),
  }
  return storage.run(merged, fn)
}

/** The context a handler runs in: same correlation id, and the handled event as the cause. */
export function contextOfEvent(envelope: Envelope, trace: TraceHeaders = {}): EventContext {
  return {
    correlationId: envelope.correlation_id,
    causationId: envelope.id,
    actor: envelope.actor,
    traceparent: trace.traceparent,
    tracestate: trace.tracestate,
  }
}

export const CORRELATION_HEADERS = ['x-correlation-id', 'x-request-id', 'correlation-id'] as const

/**
 * A context from incoming HTTP request headers (correlation id and W3C trace context). Names match
 * in any case: Node lower-cases them, but other sources (proxies, Lambda events) may not.
 */
export function contextFromHttpHeaders(headers: Record<string, string | string[] | undefined>): EventContext {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
  const first = (name: string) => {
    const value = lower.get(name)
    return Array.isArray(value) ? value[0] : value
  }
  const correlationId = CORRELATION_HEADERS.map(first).find((v) => v !== undefined && v.length > 0 && v.length <= 200)
  return {
    correlationId: correlationId ?? newEventId(),
    traceparent: first('traceparent'),
    tracestate: first('tracestate'),
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
