// The flow an event belongs to, carried across awaits: correlation and causation ids, actor, trace.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks'
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
  // Field by field: a parent's fields may be getters (a handled record's trace headers).
  const merged: EventContext = { correlationId: context.correlationId ?? parent?.correlationId ?? newEventId() }
  const causationId = context.causationId ?? parent?.causationId
  if (causationId !== undefined) merged.causationId = causationId
  const actor = context.actor ?? parent?.actor
  if (actor !== undefined) merged.actor = actor
  const traceparent = context.traceparent ?? parent?.traceparent
  if (traceparent !== undefined) merged.traceparent = traceparent
  const tracestate = context.tracestate ?? parent?.tracestate
  if (tracestate !== undefined) merged.tracestate = tracestate
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

/**
 * The context of a handled record. Its trace headers are read from the record only if something
 * asks (a publish with no OpenTelemetry SDK to supply the trace): most handlers never do.
 */
class HandledEventContext implements EventContext {
  readonly correlationId: string
  readonly causationId: string
  readonly actor: Actor | undefined
  readonly #headers: ReadonlyMap<string, string>

  constructor(envelope: Envelope, headers: ReadonlyMap<string, string>) {
    this.correlationId = envelope.correlation_id
    this.causationId = envelope.id
    this.actor = envelope.actor
    this.#headers = headers
  }

  get traceparent(): string | undefined {
    return this.#headers.get('traceparent')
  }

  get tracestate(): string | undefined {
    return this.#headers.get('tracestate')
  }
}

/**
 * Runs `fn` as the handling of `envelope`: its correlation id, itself as the cause, its actor and
 * the record's trace context. The consumer's per-record entry point (no merging with an enclosing context).
 */
export function runInEventContext<T>(envelope: Envelope, headers: ReadonlyMap<string, string>, fn: () => T): T {
  return callInEventContext(envelope, headers, fn, undefined, undefined)
}

/**
 * runInEventContext calling `fn(a, b)`: the consumer's hot path, without a closure per record.
 *
 * As `storage.run` would, but cheaper. Node 24's `run` enters the context by copying the caller's
 * context frame (every AsyncLocalStorage's value: an OpenTelemetry span entered just before, too)
 * and leaves it by copying it again. Here an AsyncResource remembers the caller's frame, the copy
 * that enters the event's context is made inside its scope, and leaving the scope restores the
 * caller's frame itself: one copy per call instead of two. What `fn` starts (promises, timers)
 * keeps the copy, so its async continuations run in the event's context as before.
 */
export function callInEventContext<A, B, T>(
  envelope: Envelope,
  headers: ReadonlyMap<string, string>,
  fn: (a: A, b: B) => T,
  a: A,
  b: B,
): T {
  return new AsyncResource('kafkit.handler').runInAsyncScope(
    enterAndCall,
    undefined,
    new HandledEventContext(envelope, headers),
    fn,
    a,
    b,
  ) as T
}

/** Enters `context` in the current frame (a copy of it, made here) and calls `fn(a, b)` there. */
function enterAndCall<A, B, T>(context: EventContext, fn: (a: A, b: B) => T, a: A, b: B): T {
  storage.enterWith(context)
  return fn(a, b)
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
