// The consumer a service author uses: register handlers with `on`, layers with `use`, then `start`.
// It only assembles: the pipeline every record goes through, a group runner for the source topics
// and one per retry tier (each with its own group member), and the stop that bounds them all.
import { deprecated } from '../util/deprecated.ts'
import type { AnyEvent, PayloadOf } from '../catalog/event.ts'
import type { Catalog } from '../catalog/catalog.ts'
import { CodecRegistry } from '../envelope/registry.ts'
import { RegistryDecoder } from '../registry/decoder.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { defaultLogger, withFields, type Logger } from '../logging/logger.ts'
import { ConsumerTelemetry } from '../observability/consumer.ts'
import { consumerHealth, type ConsumerHealth, type HealthOptions } from '../observability/health.ts'
import { createEscalation } from './escalate.ts'
import type { MemberFactory, TopicPartition } from './member.ts'
import { endOffsets } from './start-offsets.ts'
import {
  resolveBatchSpec,
  resolveConsumerOptions,
  type ConsumerOptions,
  type ResolvedConsumerOptions,
} from './options.ts'
import { Pipeline } from './pipeline.ts'
import { Router } from './router.ts'
import { GroupRunner, type RunnerStatus } from './runner.ts'
import { dueAt, originFacts, sourceFacts, tierGroupId, tierTopicName } from './tiers.ts'
import { transactionalStaging } from './staging-settings.ts'
import type { Staging } from './staging.ts'
import { defaultTransactionalId, transactionalMembers } from './transaction.ts'
import { wireTransactionalProducers } from './transaction-producer.ts'
import type {
  BatchContext,
  BatchHandler,
  BatchOptions,
  ConsumedEvent,
  HandlerContext,
  HandlerOptions,
  Middleware,
} from './types.ts'
import type { EventOf, FieldPath, Matching, PatternOf, ProjectedEventOf } from './typing.ts'
import { wireMembers } from './wire-member.ts'

export type { ConsumerOptions } from './options.ts'

export type { EventOf, Matching } from './typing.ts'

export type HandlerFor<TEvent> = (event: TEvent, ctx: HandlerContext) => void | Promise<void>

export type BatchHandlerFor<TEvent> = (events: readonly TEvent[], ctx: BatchContext) => void | Promise<void>

/** new → starting → running → stopping → stopped (stop() from any state; start() only when new). */
type ConsumerState =
  | { name: 'new' }
  | { name: 'starting' }
  | { name: 'running' }
  | { name: 'stopping'; done: Promise<void> }
  | { name: 'stopped' }

/** At the end of stop(), time kept for the final commit, onRevoke and leaving the group. */
const CLOSE_RESERVE_MS = 5000

export class Consumer<out E extends AnyEvent = AnyEvent> {
  readonly group: string
  readonly #o: ResolvedConsumerOptions
  readonly #log: Logger
  readonly #router: Router
  readonly #middleware: Middleware[] = []
  readonly #runners: GroupRunner[] = []
  readonly #telemetry: ConsumerTelemetry | undefined
  #pipeline: Pipeline | undefined
  /** A transactional consumer's staged outputs. */
  readonly #staging: Staging | undefined
  #state: ConsumerState = { name: 'new' }

  constructor(options: ConsumerOptions & { catalog: Catalog<E> }) {
    this.#o = resolveConsumerOptions(options)
    this.group = this.#o.group
    this.#log = withFields(options.logger ?? defaultLogger(), { component: 'consumer', group: this.group })
    this.#router = new Router(this.#o.catalog)
    this.#telemetry = this.#o.telemetry ? new ConsumerTelemetry(this.group) : undefined
    this.#staging = this.#o.transactional && transactionalStaging(this.#o, this.#o.transactional, this.#log)
  }

  // Overloads: patterns first, definitions last. When no overload fits, TypeScript explains the last
  // one: a definition with `fields`, where a path mistake is the likeliest. The pattern overloads
  // with `fields` take the matching events as a parameter `M` (defaulted, never inferred): written
  // inline, the projection of `Matching<E, P>` keeps TypeScript from proving `E` covariant, and a
  // Consumer<SomeEvents> would no longer be a Consumer<AnyEvent>.
  /**
   * Handles every event whose type matches: an exact type (its latest version), "domain.*", "a.*.c"
   * or "*". The handler's event is the union of the catalog's events that match; a pattern that no
   * event matches does not compile. With `fields`, each event's payload holds only those fields.
   */
  on<P extends string>(
    pattern: PatternOf<E, P>,
    handler: HandlerFor<EventOf<Matching<E, P>>>,
    options?: HandlerOptions & { fields?: undefined },
  ): this
  /** A pattern's handler with `fields`: each matching event's payload holds only the fields listed. */
  on<P extends string, const F extends readonly FieldPath<PayloadOf<M>>[], M extends AnyEvent = Matching<E, P>>(
    pattern: PatternOf<E, P>,
    handler: HandlerFor<ProjectedEventOf<M, F>>,
    options: HandlerOptions & { fields: F },
  ): this
  /** Handles one event definition (its version; older versions are upcast to it). */
  on<D extends E>(event: D, handler: HandlerFor<EventOf<D>>, options?: HandlerOptions & { fields?: undefined }): this
  /** With `fields`: the handler gets, and its payload type holds, only the fields listed. */
  on<D extends E, const F extends readonly FieldPath<PayloadOf<D>>[]>(
    event: D,
    handler: HandlerFor<ProjectedEventOf<D, F>>,
    options: HandlerOptions & { fields: F },
  ): this
  on(target: AnyEvent | string, handler: HandlerFor<never>, options: HandlerOptions = {}): this {
    if (this.#state.name !== 'new') throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'register handlers before start()')
    this.#router.add(target, handler as HandlerFor<ConsumedEvent>, options)
    return this
  }

  /**
   * Handles events in batches: records of one partition (or one key) in offset order, up to
   * `maxSize` at a time, waiting at most `maxWait` for a batch to fill. Middleware does not wrap
   * batch handlers. See docs/consumer.md ("Batch handlers"). This one takes the events a pattern
   * matches (their union, as `on` does).
   */
  onBatch<P extends string>(
    pattern: PatternOf<E, P>,
    handler: BatchHandlerFor<EventOf<Matching<E, P>>>,
    options?: BatchOptions & { fields?: undefined },
  ): this
  /** A pattern's batch handler with `fields`: each event's payload holds only the fields listed. */
  onBatch<P extends string, const F extends readonly FieldPath<PayloadOf<M>>[], M extends AnyEvent = Matching<E, P>>(
    pattern: PatternOf<E, P>,
    handler: BatchHandlerFor<ProjectedEventOf<M, F>>,
    options: BatchOptions & { fields: F },
  ): this
  /** Batches of one event definition (its version; older versions are upcast to it). */
  onBatch<D extends E>(
    event: D,
    handler: BatchHandlerFor<EventOf<D>>,
    options?: BatchOptions & { fields?: undefined },
  ): this
  /** Batches of one event definition with `fields`: each payload holds only the fields listed. */
  onBatch<D extends E, const F extends readonly FieldPath<PayloadOf<D>>[]>(
    event: D,
    handler: BatchHandlerFor<ProjectedEventOf<D, F>>,
    options: BatchOptions & { fields: F },
  ): this
  onBatch(target: AnyEvent | string, handler: BatchHandlerFor<never>, options: BatchOptions = {}): this {
    if (this.#state.name !== 'new') throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'register handlers before start()')
    const spec = resolveBatchSpec(options)
    const { maxSize: _s, maxWait: _w, by: _b, onFailure: _f, ...handlerOptions } = options
    const never: HandlerFor<ConsumedEvent> = () => {
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'a batch handler is called with batches only')
    }
    this.#router.add(target, never, handlerOptions, { spec, handler: handler as BatchHandler })
    return this
  }

  /** Adds a layer around every handler; the first added is the outermost. */
  use(middleware: Middleware): this {
    if (this.#state.name !== 'new') throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'add middleware before start()')
    this.#middleware.push(middleware)
    return this
  }

  async start(): Promise<void> {
    if (this.#state.name !== 'new')
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, `start() called on a ${this.#state.name} consumer`)
    const o = this.#o
    const topics = [...new Set([...this.#router.topics(), ...o.topics])]
    if (topics.length === 0) {
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'nothing to consume: register a handler with on() first')
    }
    const conflicts = this.#router.batchConflicts()
    if (conflicts.length > 0) {
      throw new KafkitError(
        ErrorCodes.CONSUMER_STATE,
        `a batch handler must be the only handler of its events; these reach more than one: ${conflicts.join('; ')}`,
      )
    }
    this.#state = { name: 'starting' }
    try {
      const pipeline = this.#assemble()
      let members = o.groupMember ?? wireMembers(o.client, this.#log, o.clock)
      if (o.transactional && this.#staging)
        members = transactionalMembers(members, {
          producers: o.transactionalProducer ?? wireTransactionalProducers(o.client),
          id: o.transactional.id ?? defaultTransactionalId(o.service),
          timeoutMs: o.transactional.timeoutMs,
          staging: this.#staging,
          logger: this.#log,
          clock: o.clock,
        })
      const batchTopics = this.#router.batchTopics()
      const source = this.#runner(pipeline, members, this.group, topics, false, batchTopics)
      this.#runners.push(source)
      // "now": the end offsets as this call began are where a partition without commits starts.
      if (o.autoOffsetReset === 'now') source.startOffsets = await endOffsets(o.client, topics, o.sessionTimeoutMs)
      for (const delay of o.retryTopicsMs) {
        const tierTopics = topics.map((t) => tierTopicName(this.#topicDef(t), this.group, delay))
        const batchTiers = new Set([...batchTopics].map((t) => tierTopicName(this.#topicDef(t), this.group, delay)))
        this.#runners.push(
          this.#runner(pipeline, members, tierGroupId(this.group, delay), tierTopics, true, batchTiers),
        )
      }
      if (o.retryTopicsMs.length > 0 && o.provisionRetryTopics) await this.#provisionTiers(topics)
      await Promise.all(this.#runners.map((r) => r.start()))
    } catch (error) {
      await this.close()
      throw error
    }
    if (this.#state.name !== 'starting') return // stopped meanwhile
    this.#state = { name: 'running' }
    this.#log.info({ topics, retryTiers: o.retryTopicsMs }, 'consumer started')
  }

  /**
   * Stops reading, lets queued and running handlers finish, commits, runs onRevoke and leaves the
   * group, all within `shutdownTimeout`. Handlers still running near its end are interrupted (their
   * signal fires); records not finished stay uncommitted and are delivered again, never dead-lettered.
   * `close`, like the producer's and the facade's.
   */
  close(): Promise<void> {
    const state = this.#state
    if (state.name === 'stopping') return state.done
    if (state.name === 'stopped') return Promise.resolve()
    const done = this.#stop()
    this.#state = { name: 'stopping', done }
    return done
  }

  /** @deprecated Use close(), the verb of the producer and the facade too; stop() goes in 1.0 (CHANGELOG). */
  stop(): Promise<void> {
    deprecated('Consumer.stop()', 'Consumer.close()')
    return this.close()
  }

  async #stop(): Promise<void> {
    const { clock, shutdownTimeoutMs } = this.#o
    const deadline = clock.now() + shutdownTimeoutMs
    const drainUntil = deadline - Math.min(CLOSE_RESERVE_MS, shutdownTimeoutMs / 4)
    await Promise.all(this.#runners.map((r) => r.stop(drainUntil, deadline)))
    this.#pipeline?.close()
    this.#state = { name: 'stopped' }
    this.#log.info({}, 'consumer stopped')
  }

  status(): { state: string; runners: (RunnerStatus & { group: string })[] } {
    return {
      state: this.#state.name,
      runners: this.#runners.map((r, i) => ({
        ...r.status(),
        group: i === 0 ? this.group : tierGroupId(this.group, this.#o.retryTopicsMs[i - 1]!),
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
      this.#state.name,
      this.#runners.map((r) => r.health()),
      options,
    )
  }

  /** Measures lag now on every group member (otherwise it is measured every `lagInterval`). */
  async refreshLag(): Promise<void> {
    await Promise.all(this.#runners.flatMap((r) => (r.lag ? [r.lag.refresh()] : [])))
  }

  // ---- flow control --------------------------------------------------------------------------

  /**
   * Stops fetching a topic's partitions (all of them, or those listed), now and whenever they are
   * assigned again, until `resume`. Records already handed to handlers finish; records fetched and
   * not yet handed over are delivered after the resume. Retry-tier records of the topic still run.
   */
  pause(topic: string, partitions?: readonly number[]): void {
    this.#source('pause').pause(topic, partitions)
  }

  /** Fetches them again, from the first record not handed to a handler. */
  resume(topic: string, partitions?: readonly number[]): void {
    this.#source('resume').resume(topic, partitions)
  }

  /** The assigned partitions paused by `pause`. */
  paused(): TopicPartition[] {
    return this.#runners[0]?.paused() ?? []
  }

  /**
   * Moves an assigned partition to an offset, or to the first record at or after a time (its end
   * if there is none). Its queued records are dropped; a record being handled finishes but is not
   * committed; the next commit carries the new position. Call it once the partition is assigned
   * (in `onAssign`, or later).
   */
  async seek(topic: string, partition: number, to: bigint | { timestamp: Date | number }): Promise<void> {
    const runner = this.#source('seek')
    if (typeof to === 'bigint') return runner.seek({ topic, partition }, to)
    const ms = typeof to.timestamp === 'number' ? to.timestamp : to.timestamp.getTime()
    await runner.seekToTime({ topic, partition }, ms)
  }

  #source(what: string): GroupRunner {
    const runner = this.#runners[0]
    if (!runner || (this.#state.name !== 'running' && this.#state.name !== 'starting'))
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, `${what}() needs a started consumer (it is ${this.#state.name})`)
    return runner
  }

  /** Peak number of handlers that ran at once (for tests and benchmarks). */
  get peakConcurrency(): number {
    return Math.max(0, ...this.#runners.map((r) => r.pool.peakActive))
  }

  /** The stages every record goes through, shared by the source runner and the tier runners. */
  #assemble(): Pipeline {
    const o = this.#o
    this.#pipeline = new Pipeline({
      registry: new CodecRegistry(o.codecs),
      framed: o.registry ? new RegistryDecoder(o.registry) : undefined,
      reading: { mode: o.decode, ...(this.#telemetry && { onTolerated: this.#telemetry.tolerated }) },
      router: this.#router,
      middleware: this.#middleware,
      logger: this.#log,
      publisher: o.producer,
      staging: this.#staging,
      onUnknownType: o.onUnknownType,
      onUnhandled: o.onUnhandled,
      handlerTimeoutMs: o.handlerTimeoutMs,
      retry: o.retry,
      escalate: createEscalation({
        sender: o.producer,
        stage: this.#staging,
        catalog: o.catalog,
        group: this.group,
        service: o.service,
        tiersMs: o.retryTopicsMs,
        logger: this.#log,
        clock: o.clock,
      }),
      clock: o.clock,
      telemetry: this.#telemetry,
    })
    return this.#pipeline
  }

  #runner(
    pipeline: Pipeline,
    members: MemberFactory,
    group: string,
    topics: string[],
    tier: boolean,
    batchTopics: ReadonlySet<string>,
  ): GroupRunner {
    const o = this.#o
    return new GroupRunner({
      group,
      member: {
        group,
        topics,
        rebalanceProtocol: o.rebalanceProtocol,
        joinTimeoutMs: o.startTimeoutMs,
        sessionTimeoutMs: o.sessionTimeoutMs,
        heartbeatIntervalMs: o.heartbeatIntervalMs,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs,
        // "now" starts from the earliest offset, then seeks partitions without commits (runner.ts).
        autoOffsetReset: o.autoOffsetReset === 'now' ? 'earliest' : o.autoOffsetReset,
        fetchMinBytes: o.fetchMinBytes,
        fetchMaxBytes: o.fetchMaxBytes,
        fetchMaxBytesPerPartition: o.fetchMaxBytesPerPartition,
        fetchMaxWaitMs: o.fetchMaxWaitMs,
        maxPollRecords: o.maxPollRecords,
        isolation: o.isolation,
      },
      createMember: members,
      pipeline,
      logger: this.#log,
      clock: o.clock,
      concurrency: o.concurrency,
      maxInFlight: o.maxInFlight,
      ordering: o.ordering,
      batchTopics,
      commitIntervalMs: o.commitIntervalMs,
      sessionTimeoutMs: o.sessionTimeoutMs,
      // The assignment hooks are about the source topics' partitions, not the tiers'.
      hooks: tier ? {} : o.hooks,
      facts: tier
        ? (record, headers) => originFacts(record, headers, this.group)
        : (record, headers) => sourceFacts(record, headers, this.group),
      ...(tier && { dueAt }),
      telemetry: this.#telemetry?.runner(group),
      lagIntervalMs: o.lagIntervalMs,
    })
  }

  #topicDef(name: string) {
    const topic = this.#o.catalog.topic(name)
    if (!topic)
      throw new KafkitError(
        ErrorCodes.CONSUMER_STATE,
        `topic ${name} is not in the catalog: retry topics need its definition`,
      )
    return topic
  }

  async #provisionTiers(topics: string[]) {
    const { ensureTopics, retryTopicSpecs } = await import('../admin/index.ts')
    const specs = topics.flatMap((t) => retryTopicSpecs(this.#topicDef(t), this.group, this.#o.retryTopicsMs))
    await ensureTopics(this.#o.client, specs, { logger: this.#log })
  }
}
