// The handler stage: one handler, one attempt. The payload is upcast to the version the handler
// asks for and validated against its schema (catalog/upcast.ts), projected to the handler's fields,
// and the handler runs behind the middleware, inside the event's context and the record's span,
// within its timeout. A synchronous handler costs no promise; an asynchronous one, one promise.
import { payloadFor, type Decoded } from '../catalog/upcast.ts'
import { runInEventContext } from '../context/context.ts'
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
 * Runs one handler for one record. Returns undefined when it succeeded synchronously, a promise when
 * it is asynchronous; throws or rejects with the handler's error (or the timeout's, or the shutdown's).
 */
export function runHandler(
  pipeline: Pipeline,
  of: AttemptOf,
  match: RouteMatch,
  envelope: Envelope,
  attempt: number,
): Promise<void> | undefined {
  const decoded = payloadFor(envelope, match.target)
  if (decoded instanceof Promise) return decoded.then((d) => call(pipeline, of, match, envelope, d, attempt))
  return call(pipeline, of, match, envelope, decoded, attempt)
}

function call(
  pipeline: Pipeline,
  of: AttemptOf,
  match: RouteMatch,
  envelope: Envelope,
  decoded: Decoded<unknown>,
  attempt: number,
): Promise<void> | undefined {
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
  const run = () => runInEventContext(envelope, of.facts.headers, () => handler(event, ctx))
  const started = trace ? performance.now() : 0
  let result: unknown
  try {
    // Inside the process span's context: what the handler publishes continues the trace.
    result = trace ? trace.run(run) : run()
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
  return new HandlerRun(pipeline, of, match, ctx, started, stage).until(result)
}

/** An asynchronous attempt: it ends when the handler settles, times out, or is interrupted. */
export class HandlerRun implements Expiring {
  readonly deadline: number
  readonly #pipeline: Pipeline
  readonly #of: AttemptOf
  readonly #match: RouteMatch
  readonly #ctx: Context
  readonly #started: number
  readonly #timeoutMs: number | undefined
  readonly #stage: AttemptStage | undefined
  #settle: ((error: unknown) => void) | undefined

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

  until(result: PromiseLike<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        this.#settle = undefined
        // Settled once: a handler interrupted (timed out) and still running publishes nothing more.
        this.#stage?.settled(error)
        if (this.#of.running === this) this.#of.running = undefined
        this.#of.trace?.handlerDone(this.#started, this.#match.route.name, error)
        if (error === undefined) resolve()
        // Whatever the handler threw goes on as is: retry classification reads it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        else reject(error)
      }
      this.#of.running = this
      if (this.deadline !== Infinity) this.#pipeline.deadlines.started(this.deadline)
      result.then(
        () => this.#settle?.(undefined),
        (error: unknown) => this.#settle?.(error ?? new Error('the handler failed without an error')),
      )
    })
  }

  /** The handler's time is up: its signal fires and the attempt fails with a timeout. */
  expire(): void {
    this.interrupt(new HandlerTimeoutError(this.#timeoutMs ?? 0))
  }

  /** Fires the handler's signal and ends the attempt with `reason` (the handler may go on, unheard). */
  interrupt(reason: Error): void {
    if (!this.#settle) return
    this.#ctx.abort(reason)
    this.#settle(reason)
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function'
}
