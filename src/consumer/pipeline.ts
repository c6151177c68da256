// Everything a RecordJob needs from its consumer, gathered in one object built once per consumer.
import type { CodecRegistry } from '../envelope/registry.ts'
import type { RegistryDecoder } from '../registry/decoder.ts'
import type { ReadEnvelopeOptions } from '../envelope/validate.ts'
import type { Logger } from '../logging/logger.ts'
import type { ConsumerTelemetry, Escalated } from '../observability/consumer.ts'
import type { Context } from './context.ts'
import type { RecordFailure, RecordJob } from './job.ts'
import type { Route, Router } from './router.ts'
import type { EventPublisher, Handler, RetryPolicy, UnroutedPolicy } from './types.ts'

/** Hooks for metrics and tracing; each is optional and must be cheap. */
export interface PipelineObserver {
  onRetry?(job: RecordJob, error: unknown): void
}

export interface PipelineDeps {
  registry: CodecRegistry
  /** Decodes values in the Confluent wire format; undefined without a schema registry. */
  framed?: RegistryDecoder | undefined
  /** Strict or tolerant envelope reading, and who counts what was tolerated. */
  reading?: ReadEnvelopeOptions
  router: Router
  logger: Logger
  publisher: EventPublisher | undefined
  onUnknownType: UnroutedPolicy
  onUnhandled: UnroutedPolicy
  handlerTimeoutMs: number | undefined
  retryPolicy(route: Route): RetryPolicy
  /** The route's handler wrapped in the consumer's middleware (built once per route). */
  handlerFor(route: Route): Handler
  /** Attempts already made before this delivery (a record from a retry topic carries them). */
  priorAttempts(headers: ReadonlyMap<string, string>): number
  /** Writes the failure to a retry topic or the DLQ; says which. */
  escalate(failure: RecordFailure): Promise<Escalated>
  stopping(): boolean
  /** Handler contexts running now, for timeouts and shutdown. */
  active: Set<Context>
  observer: PipelineObserver
  /** Spans and metrics (undefined with `telemetry: false`). */
  telemetry: ConsumerTelemetry | undefined
}
