// The handler stage: one handler, one attempt. The payload is upcast to the version the handler
// asks for and validated against its schema (catalog/upcast.ts), projected to the handler's fields,
// and the handler runs behind the middleware, inside the event's context and the record's span,
// within its timeout. A synchronous handler costs no promise; an asynchronous one, one promise (and
// the one its handler returned).
import { payloadFor, type Decoded } from '../catalog/upcast.ts'
import { callInEventContext } from '../context/context.ts'
import type { Envelope } from '../envelope/types.ts'
import { HandlerTimeoutError } from '../errors.ts'
import type { RecordTrace } from '../observability/consumer.ts'
import { Context, type RecordFacts } from './context.ts'
import type { Expiring } from './deadlines.ts'
import { project } from './decode.ts'
import type { FetchedRecord } from './member.ts'
import type { Pipeline } from './pipeline.ts'
import type { AttemptStage } from './staging.ts'
import type { HandlerPublishResult } from './types.ts'
import type { RouteMatch } from './router.ts'

/** What an attempt needs to know of its record. */
export interface AttemptOf {
  /** The record as fetched (a transactional consumer stages the attempt's outputs with it). */
  readonly record: FetchedRecord
  readonly facts: RecordFacts
  readonly trace: RecordTrace | undefined
  /** The attempt running now, if asynchronous: the record's job ends it early on shutdown. */
  running: HandlerRun | undefined
}

/**
 * Where an asynchronous attempt goes once the handler settled (`error` undefined: it succeeded):
 * the attempt's promise resolves with what this returns. The record's job passes its own next step,
 * so an attempt costs one promise, not one for the attempt and another for what follows it.
 */
export type AfterAttempt<O extends AttemptOf, T> = (of: O, match: RouteMatch, error: unknown) => T | PromiseLike<T>

/**
 * An asynchronous attempt's result: a thenable that calls its callbacks once the attempt is over
 * (await and Promise.resolve take it as a promise). It is the attempt itself, so an attempt costs no
 * promise of its own and no extra turn of the microtask queue before the pool hears of it.
 */
export interface Pending<T> {
  then(onFulfilled: (value: T) => unknown, onRejected: (error: unknown) => unknown): void
}

/**
 * A Pending where the promise API wants a PromiseLike: resolving a promise with it, or awaiting it,
 * calls its then(resolve, reject) and nothing else (its return value is never read).
 */
export function adopt<T>(pending: Pending<T>): PromiseLike<T> {
  return pending as unknown as PromiseLike<T>
}

/** The attempt's promise rejects with the handler's error, resolves when it succeeded. */
export function rejectOnFailure(_of: AttemptOf, _match: RouteMatch, error: unknown): void {
  // Whatever the handler threw goes on as is: retry classification reads it.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (error !== undefined) throw error
}

/**
 * Runs one handler for one record. Returns undefined when it succeeded synchronously, a promise when
 * it is asynchronous (resolved with what `after` returns once it settled); throws the handler's error
 * when it failed synchronously.
 */
export function runHandler<O extends AttemptOf, T>(
  pipeline: Pipeline,
  of: O,
  match: RouteMatch,
  envelope: Envelope,
  attempt: number,
  after: AfterAttempt<O, T>,
): Pending<T> | undefined {
  const decoded = payloadFor(envelope, match.target)
  if (!(decoded instanceof Promise)) return call(pipeline, of, match, envelope, decoded, attempt, after)
  return decoded.then(
    (d) => {
      let pending: Pending<T> | undefined
      try {
        pending = call(pipeline, of, match, envelope, d, attempt, after)
      } catch (error) {
        return after(of, match, error)
      }
      return pending ? adopt(pending) : after(of, match, undefined)
    },
    // A rejection without an error is still a failure (undefined tells `after` the attempt succeeded).
    (error: unknown) => after(of, match, error ?? new Error('the payload could not be read')),
  )
}

function call<O extends AttemptOf, T>(
  pipeline: Pipeline,
  of: O,
  match: RouteMatch,
  envelope: Envelope,
  decoded: Decoded<unknown>,
  attempt: number,
  after: AfterAttempt<O, T>,
): Pending<T> | undefined {
  const trace = of.trace
  if (decoded.upcastedFrom.length > 0) trace?.upcast(decoded.upcastedFrom, match.target.version)
  let event: Envelope = decoded.payload === envelope.payload ? envelope : { ...envelope, payload: decoded.payload }
  const fields = match.route.options.fields
  if (fields) event = project(event, fields)
  // Transactional: what the attempt publishes is held, and kept only if the attempt succeeds.
  const stage = pipeline.staging?.attempt(of.record)
  const publisher = stage ?? pipeline.publisher
  const ctx = new Context<HandlerPublishResult>(
    of.facts,
    envelope,
    attempt,
    decoded.upcastedFrom,
    pipeline.logger,
    publisher,
  )
  const handler = pipeline.handlerOf(match.route)
  const started = trace ? performance.now() : 0
  let result: unknown
  try {
    // Inside the process span's context: what the handler publishes continues the trace.
    result = trace
      ? trace.run(() => callInEventContext(envelope, of.facts.headers, handler, event, ctx))
      : callInEventContext(envelope, of.facts.headers, handler, event, ctx)
  } catch (error) {
    const failure = error ?? new Error('the handler failed without an error')
    stage?.settled(failure)
    trace?.handlerDone(started, match.route.name, failure)
    // Whatever the handler threw goes on as is: retry classification reads it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw failure
  }
  if (!isThenable(result)) {
    stage?.settled(undefined)
    trace?.handlerDone(started, match.route.name, undefined)
    return undefined
  }
  return new HandlerRun(pipeline, of, match, ctx, started, stage).until(result, after)
}

/** An asynchronous attempt: it ends when the handler settles, times out, or is interrupted. */
export class HandlerRun implements Expiring, Pending<unknown> {
  readonly deadline: number
  readonly #pipeline: Pipeline
  readonly #of: AttemptOf
  readonly #match: RouteMatch
  readonly #ctx: Context
  readonly #started: number
  readonly #timeoutMs: number | undefined
  readonly #stage: AttemptStage | undefined
  /** Set while the attempt runs: what it resolves with, once settled. */
  #after: AfterAttempt<AttemptOf, unknown> | undefined
  /** Who waits for the attempt (the pool, or an await): usually one. */
  #onFulfilled: ((value: unknown) => unknown) | undefined
  #onRejected: ((error: unknown) => unknown) | undefined
  /** Once over: 'fulfilled' or 'rejected', with #value. */
  #state: 'running' | 'fulfilled' | 'rejected' = 'running'
  #value: unknown

  constructor(
    pipeline: Pipeline,
    of: AttemptOf,
    match: RouteMatch,
    ctx: Context,
    started: number,
    stage: AttemptStage | undefined,
  ) {
    this.#pipeline = pipeline
    this.#stage = stage
    this.#of = of
    this.#match = match
    this.#ctx = ctx
    this.#started = started
    this.#timeoutMs = pipeline.timeoutOf(match.route)
    this.deadline = this.#timeoutMs === undefined ? Infinity : pipeline.clock.now() + this.#timeoutMs
  }

  until<O extends AttemptOf, T>(result: PromiseLike<unknown>, after: AfterAttempt<O, T>): Pending<T> {
    // `of` is the O that `after` was given for (call() passes both).
    this.#after = after as unknown as AfterAttempt<AttemptOf, unknown>
    this.#of.running = this
    if (this.deadline !== Infinity) this.#pipeline.deadlines.started(this.deadline)
    result.then(
      () => this.#settle(undefined, false),
      (error: unknown) => this.#settle(error ?? new Error('the handler failed without an error'), false),
    )
    return this as Pending<T>
  }

  then(onFulfilled: (value: unknown) => unknown, onRejected: (error: unknown) => unknown): void {
    if (this.#state !== 'running') {
      const [failed, value] = [this.#state === 'rejected', this.#value]
      queueMicrotask(() => (failed ? onRejected(value) : onFulfilled(value)))
    } else if (!this.#onFulfilled) {
      this.#onFulfilled = onFulfilled
      this.#onRejected = onRejected
    } else {
      const [fulfilled, rejected] = [this.#onFulfilled, this.#onRejected!]
      this.#onFulfilled = (value) => (fulfilled(value), onFulfilled(value))
      this.#onRejected = (error) => (rejected(error), onRejected(error))
    }
  }

  /**
   * Settled once: a handler interrupted (timed out) and still running publishes nothing more. From
   * the handler's own settling (a microtask) the waiter is called at once; from an interrupt (a timer,
   * shutdown) on a microtask, as a promise would, so that no pool work runs inside the caller.
   */
  #settle(error: unknown, interrupted: boolean): void {
    const after = this.#after
    if (!after) return
    this.#after = undefined
    this.#stage?.settled(error)
    if (this.#of.running === this) this.#of.running = undefined
    this.#of.trace?.handlerDone(this.#started, this.#match.route.name, error)
    let value: unknown
    try {
      value = after(this.#of, this.#match, error)
    } catch (failure) {
      return this.#deliver(failure, true, interrupted)
    }
    if (isThenable(value))
      value.then(
        (v) => this.#deliver(v, false, false),
        (e: unknown) => this.#deliver(e, true, false),
      )
    else this.#deliver(value, false, interrupted)
  }

  #deliver(value: unknown, failed: boolean, later: boolean): void {
    this.#state = failed ? 'rejected' : 'fulfilled'
    this.#value = value
    const waiter = failed ? this.#onRejected : this.#onFulfilled
    this.#onFulfilled = this.#onRejected = undefined
    if (!waiter) return
    if (later) queueMicrotask(() => waiter(value))
    else waiter(value)
  }

  /** The handler's time is up: its signal fires and the attempt fails with a timeout. */
  expire(): void {
    this.interrupt(new HandlerTimeoutError(this.#timeoutMs ?? 0))
  }

  /** Fires the handler's signal and ends the attempt with `reason` (the handler may go on, unheard). */
  interrupt(reason: Error): void {
    if (!this.#after) return
    this.#ctx.abort(reason)
    this.#settle(reason, true)
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}
