// The stages of a record's path once it is admitted, and what they share, built once per consumer:
// decode (the codecs) → route (the router) → upcast and validate, then the handler behind the
// middleware, timed (handle.ts) → retry in process, or escalate to a retry tier or the DLQ
// (escalate.ts). A RecordJob carries one record through them; it holds the record's state, the
// pipeline holds everything else.
import type { CodecRegistry } from '../envelope/registry.ts'
import type { ReadEnvelopeOptions } from '../envelope/validate.ts'
import type { RegistryDecoder } from '../registry/decoder.ts'
import type { Logger } from '../logging/logger.ts'
import type { ConsumerTelemetry } from '../observability/consumer.ts'
import type { Clock } from '../util/clock.ts'
import { Deadlines } from './deadlines.ts'
import type { Escalate } from './escalate.ts'
import { compose } from './middleware.ts'
import type { Route, Router } from './router.ts'
import type { Staging } from './staging.ts'
import type { EventPublisher, Handler, Middleware, UnroutedPolicy } from './types.ts'
import { resolveRetry, type ResolvedRetry } from './retry.ts'

export interface PipelineOptions {
  registry: CodecRegistry
  /** Decodes values in the Confluent wire format; undefined without a schema registry. */
  framed: RegistryDecoder | undefined
  /** Strict or tolerant envelope reading, and who counts what was tolerated. */
  reading: ReadEnvelopeOptions
  router: Router
  middleware: readonly Middleware[]
  logger: Logger
  /** What handlers publish with (`ctx.publish`). */
  publisher: EventPublisher | undefined
  /** A transactional consumer's staged outputs (undefined: publishes are sent at once). */
  staging?: Staging | undefined
  onUnknownType: UnroutedPolicy
  onUnhandled: UnroutedPolicy
  /** Per attempt, unless the route says otherwise; undefined: no timeout. */
  handlerTimeoutMs: number | undefined
  retry: ResolvedRetry
  escalate: Escalate
  clock: Clock
  /** Spans and metrics (undefined with `telemetry: false`). */
  telemetry: ConsumerTelemetry | undefined
}

export class Pipeline {
  readonly registry: CodecRegistry
  readonly framed: RegistryDecoder | undefined
  readonly reading: ReadEnvelopeOptions
  readonly router: Router
  readonly logger: Logger
  readonly publisher: EventPublisher | undefined
  readonly staging: Staging | undefined
  readonly onUnknownType: UnroutedPolicy
  readonly onUnhandled: UnroutedPolicy
  readonly escalate: Escalate
  readonly clock: Clock
  readonly deadlines: Deadlines
  readonly telemetry: ConsumerTelemetry | undefined
  readonly #middleware: readonly Middleware[]
  readonly #handlerTimeoutMs: number | undefined
  readonly #retry: ResolvedRetry
  readonly #handlers = new Map<number, Handler>()
  readonly #policies = new Map<number, ResolvedRetry>()

  constructor(options: PipelineOptions) {
    this.registry = options.registry
    this.framed = options.framed
    this.reading = options.reading
    this.router = options.router
    this.logger = options.logger
    this.publisher = options.publisher
    this.staging = options.staging
    this.onUnknownType = options.onUnknownType
    this.onUnhandled = options.onUnhandled
    this.escalate = options.escalate
    this.clock = options.clock
    this.deadlines = new Deadlines(options.clock)
    this.telemetry = options.telemetry
    this.#middleware = options.middleware
    this.#handlerTimeoutMs = options.handlerTimeoutMs
    this.#retry = options.retry
  }

  /** The route's handler wrapped in the middleware (composed once per route). */
  handlerOf(route: Route): Handler {
    let handler = this.#handlers.get(route.id)
    if (!handler) {
      handler = compose(this.#middleware, route.handler)
      this.#handlers.set(route.id, handler)
    }
    return handler
  }

  retryPolicyOf(route: Route): ResolvedRetry {
    let policy = this.#policies.get(route.id)
    if (!policy) {
      // Checked when the handler was registered.
      policy = route.retry ? resolveRetry(route.retry, [], 'retry', this.#retry) : this.#retry
      this.#policies.set(route.id, policy)
    }
    return policy
  }

  timeoutOf(route: Route): number | undefined {
    return route.timeoutMs ?? this.#handlerTimeoutMs
  }

  /** Nothing more is timed (the consumer stopped). */
  close(): void {
    this.deadlines.close()
  }
}
