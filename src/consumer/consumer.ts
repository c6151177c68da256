// The consumer a service author uses: register handlers with `on`, layers with `use`, then `start`.
// Under it: a group runner for the source topics and one per retry tier, sharing one pipeline.
import type { Catalog } from '../catalog/catalog.ts'
import type { AnyEvent, PayloadOf, TypeOf } from '../catalog/event.ts'
import type { ClientOptions } from '../config/client.ts'
import { CodecRegistry } from '../envelope/registry.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { RegistryDecoder } from '../registry/decoder.ts'
import type { EnvelopeCodec } from '../envelope/codec.ts'
import { decodeMode, type DecodeMode } from '../envelope/validate.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { defaultLogger, type Logger } from '../logging/logger.ts'
import { ConsumerTelemetry } from '../observability/consumer.ts'
import { consumerHealth, type ConsumerHealth, type HealthOptions } from '../observability/health.ts'
import { parseDuration, type Duration } from '../util/duration.ts'
import type { Context } from './context.ts'
import { RecordHeaders } from './headers.ts'
import { createEscalation, type Escalate } from './escalate.ts'
import { HandlerTimeoutError, RecordJob, ShutdownError, sourceFacts, type WireMessage } from './job.ts'
import { compose } from './middleware.ts'
import type { PipelineDeps, PipelineObserver } from './pipeline.ts'
import { DEFAULT_RETRY } from './retry.ts'
import { Router, type Route } from './router.ts'
import { GroupRunner, type RunnerHooks, type RunnerOptions, type RunnerStatus } from './runner.ts'
import { dueIn, originFacts, priorAttempts, tierGroupId, tierTopicName } from './tiers.ts'
import type {
  ConsumedEvent,
  EventPublisher,
  HandlerContext,
  HandlerOptions,
  Middleware,
  Ordering,
  RecordSender,
  RetryPolicy,
  UnroutedPolicy,
} from './types.ts'

export interface ConsumerOptions extends RunnerHooks {
  client: ClientOptions
  catalog: Catalog
  /** The consuming service (DLQ records, logs); the group defaults to `{service}-group`. */
  service: string
  group?: string
  logger?: Logger
  /** Publishes from handlers and writes DLQ / retry-topic records. Without it, failures cannot be dead-lettered. */
  producer?: EventPublisher & RecordSender
  /** Handlers running at once. Default 10. */
  concurrency?: number
  /** What must stay in order: records of one key (default), of one partition, or nothing. */
  ordering?: Ordering
  /** Records held at once (queued, running, waiting to retry); fetching pauses beyond it. Default 1000. */
  maxInFlight?: number
  retry?: Partial<RetryPolicy>
  /** Per-attempt handler timeout; the signal fires and the attempt fails. Default 30 s. */
  handlerTimeout?: Duration
  /** Delays of retry topics tried after in-process retries, e.g. ["5s", "1m"]. Default none. */
  retryTopics?: readonly Duration[]
  /** Event types not in the catalog. Default "skip" (logged). */
  onUnknownType?: UnroutedPolicy
  /** Known event types without a handler here. Default "skip". */
  onUnhandled?: UnroutedPolicy
  /** Where a new group starts. Default "earliest". */
  autoOffsetReset?: 'earliest' | 'latest'
  commitInterval?: Duration
  sessionTimeout?: Duration
  heartbeatInterval?: Duration
  rebalanceTimeout?: Duration
  maxPollRecords?: number
  fetchMinBytes?: number
  fetchMaxBytes?: number
  fetchMaxBytesPerPartition?: number
  fetchMaxWait?: Duration
  /** How long `stop()` lets in-flight work finish. Default 30 s. */
  shutdownTimeout?: Duration
  /** Topics to consume besides those the handlers imply. */
  topics?: readonly string[]
  /** Extra envelope codecs to recognise. */
  codecs?: readonly EnvelopeCodec[]
  /** The schema registry that decodes records in the Confluent wire format (the registry codecs). */
  registry?: SchemaRegistry
  /**
   * How envelopes are read. "tolerant" (default) accepts what Go services write without omitempty
   * or .UTC() and counts it (kafkit.consumer.envelope.tolerated); "strict" dead-letters it.
   */
  decode?: DecodeMode
  /** Create the retry-tier topics on start if missing. Default true. */
  provisionRetryTopics?: boolean
  /** Hooks for metrics and tracing. */
  observer?: PipelineObserver
  /**
   * OpenTelemetry spans and metrics through `@opentelemetry/api` (no-ops until the application
   * registers an SDK). Default true; false leaves them out entirely.
   */
  telemetry?: boolean
  /** How often consumer lag is measured (metrics and health). Default 15 s; false turns it off. */
  lagInterval?: Duration | false
}

type Matching<E extends AnyEvent, P extends string> = P extends '*'
  ? E
  : P extends `${infer Prefix}.*`
    ? Extract<E, { type: `${Prefix}.${string}` }>
    : Extract<E, { type: P }>

type EventOf<E> = E extends AnyEvent ? ConsumedEvent<PayloadOf<E>, TypeOf<E>> : never

export type HandlerFor<TEvent> = (event: TEvent, ctx: HandlerContext) => void | Promise<void>

const ms = (value: Duration | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback
  const parsed = parseDuration(value)
  if (parsed === undefined) {
    throw new KafkitError(
      ErrorCodes.CONFIG_INVALID,
      `consumer option ${name}: "${String(value)}" is not a duration (e.g. "30s")`,
    )
  }
  return parsed
}

export class Consumer<E extends AnyEvent = AnyEvent> {
  readonly group: string
  readonly #options: ConsumerOptions
  readonly #log: Logger
  readonly #router: Router
  readonly #middleware: Middleware[] = []
  readonly #composed = new Map<number, (event: ConsumedEvent, ctx: HandlerContext) => void | Promise<void>>()
  readonly #active = new Set<Context>()
  readonly #runners: GroupRunner[] = []
  readonly #tiersMs: number[]
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new'
  #timeoutSweep: NodeJS.Timeout | undefined
  readonly #telemetry: ConsumerTelemetry | undefined

  constructor(options: ConsumerOptions) {
    this.#options = options
    this.group = options.group ?? `${options.service}-group`
    this.#log = (options.logger ?? defaultLogger()).child({ component: 'consumer', group: this.group })
    this.#router = new Router(options.catalog)
    this.#tiersMs = (options.retryTopics ?? []).map((d, i) => ms(d, 0, `retryTopics[${i}]`))
    this.#telemetry = options.telemetry === false ? undefined : new ConsumerTelemetry(this.group)
  }

  /** Handles one event definition (its version; older versions are upcast to it). */
  on<D extends E>(event: D, handler: HandlerFor<EventOf<D>>, options?: HandlerOptions): this
  /** Handles every event whose type matches: an exact type, "domain.*" or "*". */
  on<P extends string>(pattern: P, handler: HandlerFor<EventOf<Matching<E, P>>>, options?: HandlerOptions): this
  on(target: AnyEvent | string, handler: HandlerFor<never>, options: HandlerOptions = {}): this {
    if (this.#state !== 'new') throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'register handlers before start()')
    this.#router.add(target, handler as HandlerFor<ConsumedEvent>, options)
    return this
  }

  /** Adds a layer around every handler; the first added is the outermost. */
  use(middleware: Middleware): this {
    if (this.#state !== 'new') throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'add middleware before start()')
    this.#middleware.push(middleware)
    return this
  }

  async start(): Promise<void> {
    if (this.#state !== 'new')
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, `start() called on a ${this.#state} consumer`)
    const topics = [...new Set([...this.#router.topics(), ...(this.#options.topics ?? [])])]
    if (topics.length === 0) {
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'nothing to consume: register a handler with on() first')
    }
    this.#state = 'starting'
    const deps = this.#pipeline()
    this.#runners.push(this.#runner(this.group, topics, deps, false))
    for (const delay of this.#tiersMs) {
      const tierTopics = topics.map((t) => tierTopicName(this.#topicDef(t), this.group, delay))
      this.#runners.push(this.#runner(tierGroupId(this.group, delay), tierTopics, deps, true))
    }
    if (this.#tiersMs.length > 0 && this.#options.provisionRetryTopics !== false) await this.#provisionTiers(topics)
    this.#timeoutSweep = setInterval(() => this.#sweepTimeouts(), 50)
    this.#timeoutSweep.unref()
    try {
      await Promise.all(this.#runners.map((r) => r.start()))
    } catch (error) {
      await this.stop()
      throw error
    }
    this.#state = 'running'
    this.#log.info({ topics, retryTiers: this.#tiersMs }, 'consumer started')
  }

  /** Stops fetching, drains in-flight work (up to `shutdownTimeout`), commits, leaves the group. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return
    this.#state = 'stopping'
    const timeoutMs = ms(this.#options.shutdownTimeout, 30_000, 'shutdownTimeout')
    const abortActive = () => {
      for (const ctx of this.#active) ctx.abort(new ShutdownError())
    }
    await Promise.all(this.#runners.map((r) => r.stop(timeoutMs, abortActive)))
    clearInterval(this.#timeoutSweep)
    this.#state = 'stopped'
    this.#log.info({}, 'consumer stopped')
  }

  status(): { state: string; runners: (RunnerStatus & { group: string })[] } {
    return {
      state: this.#state,
      runners: this.#runners.map((r, i) => ({
        ...r.status(),
        group: i === 0 ? this.group : tierGroupId(this.group, this.#tiersMs[i - 1]!),
      })),
    }
  }

  /**
   * Whether the consumer works, for readiness and liveness probes: connected, assigned partitions,
   * lag (the last measurement), last commit, heartbeats, restarts. No I/O.
   */
  health(options: HealthOptions = {}): ConsumerHealth {
    return consumerHealth(
      this.group,
      this.#state,
      this.#runners.map((r) => r.health()),
      options,
    )
  }

  /** Measures lag now on every group member (otherwise it is measured every `lagInterval`). */
  async refreshLag(): Promise<void> {
    await Promise.all(this.#runners.flatMap((r) => (r.lag ? [r.lag.refresh()] : [])))
  }

  /** Peak number of handlers that ran at once (for tests and benchmarks). */
  get peakConcurrency(): number {
    return Math.max(0, ...this.#runners.map((r) => r.pool.peakActive))
  }

  #pipeline(): PipelineDeps {
    const o = this.#options
    const policy: RetryPolicy = { ...DEFAULT_RETRY, ...o.retry }
    const escalate: Escalate = o.producer
      ? createEscalation({
          sender: o.producer,
          catalog: o.catalog,
          group: this.group,
          service: o.service,
          tiersMs: this.#tiersMs,
          logger: this.#log,
        })
      : () =>
          Promise.reject(
            new KafkitError(ErrorCodes.DLQ_WRITE_FAILED, 'this consumer has no producer to write the DLQ with'),
          )
    return {
      registry: new CodecRegistry(o.codecs ?? []),
      framed: o.registry ? new RegistryDecoder(o.registry) : undefined,
      reading: { mode: decodeMode(o.decode), onTolerated: this.#telemetry?.tolerated },
      router: this.#router,
      logger: this.#log,
      publisher: o.producer,
      onUnknownType: o.onUnknownType ?? 'skip',
      onUnhandled: o.onUnhandled ?? 'skip',
      handlerTimeoutMs: ms(o.handlerTimeout, 30_000, 'handlerTimeout'),
      retryPolicy: (route: Route) => (route.options.retry ? { ...policy, ...route.options.retry } : policy),
      handlerFor: (route: Route) => {
        let composed = this.#composed.get(route.id)
        if (!composed) {
          composed = compose(this.#middleware, route.handler)
          this.#composed.set(route.id, composed)
        }
        return composed
      },
      priorAttempts,
      escalate,
      stopping: () => this.#state === 'stopping' || this.#state === 'stopped',
      active: this.#active,
      observer: o.observer ?? {},
      telemetry: this.#telemetry,
    }
  }

  #runner(group: string, topics: string[], deps: PipelineDeps, tier: boolean): GroupRunner {
    const o = this.#options
    const ordering = o.ordering ?? 'key'
    const options: RunnerOptions = {
      client: o.client,
      group,
      topics,
      logger: this.#log,
      concurrency: o.concurrency ?? 10,
      maxInFlight: o.maxInFlight ?? 1000,
      commitIntervalMs: ms(o.commitInterval, 1000, 'commitInterval'),
      autoOffsetReset: o.autoOffsetReset ?? 'earliest',
      sessionTimeoutMs: ms(o.sessionTimeout, 30_000, 'sessionTimeout'),
      heartbeatIntervalMs: ms(o.heartbeatInterval, 10_000, 'heartbeatInterval'),
      rebalanceTimeoutMs: ms(o.rebalanceTimeout, 60_000, 'rebalanceTimeout'),
      fetchMinBytes: o.fetchMinBytes ?? 1,
      fetchMaxBytes: o.fetchMaxBytes ?? 1024 * 1024,
      fetchMaxBytesPerPartition: o.fetchMaxBytesPerPartition ?? 256 * 1024,
      fetchMaxWaitMs: ms(o.fetchMaxWait, 500, 'fetchMaxWait'),
      maxPollRecords: o.maxPollRecords ?? 100,
      hooks: tier ? {} : { ...(o.onAssign && { onAssign: o.onAssign }), ...(o.onRevoke && { onRevoke: o.onRevoke }) },
      createJob: (message, offsets, owner) => {
        const headers = new RecordHeaders(message.headerEntries)
        const facts = tier ? originFacts(message, headers, this.group) : sourceFacts(message, headers, this.group)
        return new RecordJob(deps, message, headers, facts, laneOf(ordering, message), offsets, owner)
      },
    }
    if (tier) options.dueIn = (message: WireMessage) => dueIn(new RecordHeaders(message.headerEntries))
    options.telemetry = this.#telemetry?.runner(group)
    options.lagIntervalMs = o.lagInterval === false ? 0 : ms(o.lagInterval, 15_000, 'lagInterval')
    return new GroupRunner(options)
  }

  #topicDef(name: string) {
    const topic = this.#options.catalog.topic(name)
    if (!topic)
      throw new KafkitError(
        ErrorCodes.CONSUMER_STATE,
        `topic ${name} is not in the catalog: retry topics need its definition`,
      )
    return topic
  }

  async #provisionTiers(topics: string[]) {
    const { ensureTopics, retryTopicSpecs } = await import('../admin/index.ts')
    const specs = topics.flatMap((t) => retryTopicSpecs(this.#topicDef(t), this.group, this.#tiersMs))
    await ensureTopics(this.#options.client, specs, { logger: this.#log })
  }

  #sweepTimeouts() {
    const now = Date.now()
    for (const ctx of this.#active) {
      if (ctx.deadline <= now) {
        this.#active.delete(ctx)
        ctx.abort(new HandlerTimeoutError(ctx.timeoutMs ?? 0))
      }
    }
  }
}

function laneOf(ordering: Ordering, message: WireMessage): string {
  if (ordering === 'none') return `${message.topic}|${message.partition}|${message.offset}`
  if (ordering === 'partition' || !message.key || message.key.length === 0)
    return `${message.topic}|${message.partition}`
  return `${message.topic}|${message.partition}|${message.key.toString('latin1')}`
}
