// The test kit: a kafkit instance (the real producer and consumer runtime) on an in-memory Kafka
// with a virtual clock. A test publishes, waits until a handler handled an event (waiting on a
// condition with a deadline, never sleeping), asserts what was published, reads the DLQ, or calls
// one handler directly with a context. It needs no test framework: failures throw AssertionError.
import { AssertionError } from 'node:assert'
import { retryTopicSpecs, topicSpecsFor } from '../admin/specs.ts'
import { Catalog } from '../catalog/catalog.ts'
import type { AnyEvent, InputOf, PayloadOf, TypeOf } from '../catalog/event.ts'
import { validateSchema } from '../catalog/schema.ts'
import type { Consumer } from '../consumer/consumer.ts'
import { RecordHeaders } from '../consumer/headers.ts'
import type { ConsumedEvent, HandlerContext, Middleware } from '../consumer/types.ts'
import { Context } from '../consumer/context.ts'
import { runInEventContext } from '../context/context.ts'
import { decodeEnvelope } from '../consumer/decode.ts'
import { readDeadLetterRecord, type DeadLetter } from '../dlq/format.ts'
import { createEnvelope } from '../envelope/create.ts'
import { CodecRegistry } from '../envelope/registry.ts'
import type { Envelope } from '../envelope/types.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import type { Duration } from '../util/duration.ts'
import { timeoutOf } from '../util/timeout.ts'
import { Kafkit, type KafkitConsumerOptions, type KafkitOptions } from '../kafkit/kafkit.ts'
import { createLogger, type Logger } from '../logging/logger.ts'
import type { PublishOptions, PublishResult } from '../producer/types.ts'
import type { Clock } from '../util/clock.ts'
import { InMemoryKafka } from './broker.ts'
import { VirtualClock, settle } from './clock.ts'
import { matchesPartial, type DeepPartial } from './match.ts'

export interface TestKafkitOptions<E extends AnyEvent> {
  catalog: Catalog<E> | readonly E[]
  /** The service name (envelope source, default group `{service}-group`). Default 'test-service'. */
  service?: string
  /**
   * The broker. Default a new one. Give several test kits the same broker to test a flow across
   * services (each with its own catalog and service name).
   */
  broker?: InMemoryKafka
  /**
   * Time of the consumer runtime (retry backoffs, retry-tier delays, commit interval, timeouts).
   * Default a VirtualClock, which `waitFor` moves on whenever nothing else happens: a one-hour retry
   * tier takes no real time. 'system' for real time.
   */
  clock?: VirtualClock | 'system'
  /** Default: silent (LOG_LEVEL set: that level). */
  logger?: Logger
  /** Producer settings, as for createKafkit. */
  producer?: KafkitOptions<E>['producer']
  /** Defaults for every consumer, as for createKafkit. */
  consumer?: KafkitConsumerOptions
}

export interface WaitOptions {
  /** Real time before giving up with an error. Default 5 s. */
  timeout?: Duration
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number
  /**
   * Whether waiting may move a virtual clock to its next timer when nothing else happens. Default
   * true; false for a schedule the test drives itself with `advance()`.
   */
  advanceClock?: boolean
}

/** An event a handler finished with, as the kit saw it. */
export interface HandledEvent {
  event: ConsumedEvent
  group: string
  topic: string
  partition: number
  offset: bigint
  attempt: number
  /** Undefined when the handler returned; its error when it threw. */
  error: unknown
}

/** An event read back from a topic. */
export interface PublishedEvent<P = unknown, T extends string = string> {
  event: ConsumedEvent<P, T>
  topic: string
  partition: number
  offset: bigint
  key: string | undefined
  headers: ReadonlyMap<string, string>
}

/** What `handlerContext` makes: an event as a handler receives it, and its context. */
export interface HandlerCall<D extends AnyEvent> {
  event: ConsumedEvent<PayloadOf<D>, TypeOf<D>>
  /** Its `publish` writes to the kit's broker at once, and resolves with the delivery result. */
  ctx: HandlerContext<PublishResult>
}

export interface HandlerContextOptions {
  topic?: string
  partition?: number
  offset?: bigint
  key?: string
  attempt?: number
  group?: string
  headers?: Record<string, string>
  correlationId?: string
  /** Fires the context's signal (a handler timeout or a shutdown). */
  signal?: AbortSignal
}

const DEFAULT_WAIT_MS = 5000
/** Turns of the event loop with nothing new before virtual time is moved to the next timer. */
const QUIET_TURNS = 3
/** Timers fired in a row, while none makes progress, before the wait looks again for quiet. */
const SKIP_BURST = 200
/** Promise reactions let run after each of them. */
const MICROTASK_TURNS = 8

export class TestKafkit<E extends AnyEvent = AnyEvent> {
  readonly broker: InMemoryKafka
  /** The runtime's clock: a VirtualClock unless `clock: 'system'` was given. */
  readonly clock: Clock
  readonly kafkit: Kafkit<E>
  readonly catalog: Catalog<E>
  readonly service: string
  /** Every handler run that finished (returned or threw), in order. */
  readonly handled: HandledEvent[] = []
  readonly #registry = new CodecRegistry()
  readonly #consumerDefaults: KafkitConsumerOptions
  #progress = 0

  constructor(options: TestKafkitOptions<E>) {
    this.catalog = options.catalog instanceof Catalog ? options.catalog : new Catalog(options.catalog)
    this.service = options.service ?? 'test-service'
    this.clock = options.clock === 'system' ? systemTime() : (options.clock ?? new VirtualClock())
    this.broker = options.broker ?? new InMemoryKafka({ clock: this.clock })
    for (const spec of topicSpecsFor(this.catalog, { service: this.service }))
      this.broker.createTopic(spec.name, { partitions: spec.partitions, ...maxBytes(spec.configs) })
    this.broker.onAppend(() => this.#progress++)
    this.#consumerDefaults = options.consumer ?? {}
    this.kafkit = new TestingKafkit<E>((consumer, o) => this.#prepare(consumer, o), {
      service: this.service,
      catalog: this.catalog,
      client: { brokers: ['in-memory:9092'] },
      logger: options.logger ?? silentLogger(),
      producer: { ...options.producer, transport: this.broker.transport() },
      consumer: {
        ...options.consumer,
        groupMember: this.broker.members(),
        transactionalProducer: this.broker.transactionalProducers(),
        clock: this.clock,
        provisionRetryTopics: false,
      },
    })
  }

  // ---- publishing ----------------------------------------------------------------------------

  /** Publishes through kafkit's producer (validated, enveloped, partitioned by key). */
  publish<D extends E>(event: D, payload: InputOf<D>, options?: PublishOptions): Promise<PublishResult> {
    return this.kafkit.publish(event, payload, options)
  }

  /** Writes a raw record into a topic (bytes as given), as another client would. */
  async publishRaw(record: {
    topic: string
    key?: string | Buffer
    value: string | Buffer | null
    headers?: Record<string, string>
    partition?: number
  }): Promise<void> {
    await this.kafkit.producer.sendRecords([
      {
        topic: record.topic,
        key: record.key,
        value: typeof record.value === 'string' ? Buffer.from(record.value) : record.value,
        ...(record.headers && { headers: record.headers }),
        ...(record.partition !== undefined && { partition: record.partition }),
      },
    ])
  }

  // ---- consuming -----------------------------------------------------------------------------

  /**
   * A consumer on the in-memory Kafka; start it after `on()`. (`kit.kafkit.consumer()` is the same:
   * code under test that makes its consumers from the kafkit instance gets these too.)
   */
  consumer(options: KafkitConsumerOptions = {}): Consumer<E> {
    return this.kafkit.consumer(options)
  }

  /** What the kit adds to every consumer: its retry-tier topics, and the recording of handled events. */
  #prepare(consumer: Consumer<E>, options: KafkitConsumerOptions): void {
    consumer.use(this.#recorder(consumer.group))
    // The retry-tier topics the consumer would create on start (on a real cluster, by its admin client).
    const delays = options.retryTopics ?? this.#consumerDefaults.retryTopics ?? []
    for (const topic of this.catalog.topics())
      for (const spec of retryTopicSpecs(topic, consumer.group, delays))
        this.broker.createTopic(spec.name, { partitions: spec.partitions })
  }

  /** Records every finished handler run; the outermost layer, so it sees what the handler did. */
  #recorder(group: string): Middleware {
    return (next) => async (event, ctx) => {
      try {
        await next(event, ctx)
        this.#record(event, ctx, group, undefined)
      } catch (error) {
        this.#record(event, ctx, group, error)
        throw error
      }
    }
  }

  #record(event: ConsumedEvent, ctx: HandlerContext, group: string, error: unknown): void {
    this.handled.push({
      event,
      group,
      topic: ctx.topic,
      partition: ctx.partition,
      offset: ctx.offset,
      attempt: ctx.attempt,
      error,
    })
    this.#progress++
  }

  /**
   * Waits until a handler returned for an event of `event`'s type whose payload matches `match`;
   * resolves with it. Fails after `timeoutMs` (real time) naming what was handled instead.
   */
  async waitForHandled<D extends E>(
    event: D,
    match: DeepPartial<PayloadOf<D>> = {} as DeepPartial<PayloadOf<D>>,
    options: WaitOptions & { group?: string } = {},
  ): Promise<ConsumedEvent<PayloadOf<D>, TypeOf<D>>> {
    const found = () =>
      this.handled.find(
        (h) =>
          h.error === undefined &&
          h.event.type === event.type &&
          (options.group === undefined || h.group === options.group) &&
          matchesPartial(h.event.payload, match),
      )
    await this.waitFor(() => found() !== undefined, {
      ...options,
      describe: () =>
        `no handler finished a ${event.type} matching ${show(match)}; handled: ${
          this.handled.map((h) => `${h.event.type}${h.error === undefined ? '' : ' (threw)'}`).join(', ') || 'nothing'
        }`,
    })
    return found()!.event as ConsumedEvent<PayloadOf<D>, TypeOf<D>>
  }

  /**
   * Waits until `condition` holds, checking after every turn of the event loop. With a virtual
   * clock, time moves to the next timer whenever nothing has happened for a few turns (so retry
   * backoffs and retry-tier delays pass at once). Fails after `timeout` of real time.
   */
  async waitFor(condition: () => boolean, options: WaitOptions & { describe?: () => string } = {}): Promise<void> {
    const timeoutMs = timeoutOf(options, DEFAULT_WAIT_MS, 'waitFor')
    const deadline = performance.now() + timeoutMs
    let quiet = 0
    let seen = this.#progress
    for (;;) {
      if (condition()) return
      if (performance.now() > deadline) {
        throw new AssertionError({
          message: `waited ${timeoutMs} ms: ${options.describe?.() ?? 'the condition did not hold'}`,
          operator: 'waitFor',
        })
      }
      await settle(1)
      if (this.#progress !== seen) {
        seen = this.#progress
        quiet = 0
        continue
      }
      if (++quiet >= QUIET_TURNS && options.advanceClock !== false && this.clock instanceof VirtualClock) {
        quiet = 0
        if (!(await this.#skipAhead(this.clock, condition))) await new Promise((resolve) => setTimeout(resolve, 1))
      } else if (quiet >= QUIET_TURNS) {
        // Nothing to do but wait for real time (a producer's linger, a handler's own timer).
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    }
  }

  /**
   * Nothing happens: fires the virtual clock's timers one by one (letting the promise reactions each
   * starts run) until one of them makes progress or the condition holds. Timers due at the same
   * instant cost no turn of the event loop; time moves past an instant only after one. False when no
   * timer is pending.
   */
  async #skipAhead(clock: VirtualClock, condition: () => boolean): Promise<boolean> {
    const seen = this.#progress
    for (let fired = 0; fired < SKIP_BURST; fired++) {
      const at = clock.nextAt
      if (at === undefined) return fired > 0
      if (fired > 0 && at > clock.now()) {
        // Time is about to move past an instant: the work its timers started gets a turn of the
        // event loop first (immediates and I/O, not only promise reactions), or it would finish
        // reading a later time than the one it finished at.
        await settle(1)
        if (this.#progress !== seen || condition()) return true
      }
      clock.fireNext()
      for (let i = 0; i < MICROTASK_TURNS; i++) await Promise.resolve()
      if (this.#progress !== seen || condition()) return true
    }
    return true
  }

  /** Moves virtual time on by `ms` (firing due timers in order). */
  async advance(ms: number): Promise<void> {
    if (!(this.clock instanceof VirtualClock))
      throw new KafkitError(ErrorCodes.CONFIG_INVALID, 'the clock is real time')
    await this.clock.advance(ms)
  }

  // ---- reading back --------------------------------------------------------------------------

  /** Every event of `event`'s type in its topic, in partition and offset order. */
  published<D extends E>(event: D): PublishedEvent<PayloadOf<D>, TypeOf<D>>[]
  /** Every event in a topic (in every topic when none is named), in partition and offset order. */
  published(topic?: string): PublishedEvent[]
  published(target?: E | string): PublishedEvent[] {
    const topics =
      target === undefined ? this.broker.topicNames() : typeof target === 'string' ? [target] : [target.topic.name]
    const events: PublishedEvent[] = []
    for (const topic of topics) {
      for (const record of this.broker.records(topic)) {
        const headers = new RecordHeaders(record.headerEntries)
        let envelope: Envelope
        try {
          envelope = decodeEnvelope(this.#registry, record.value, headers)
        } catch {
          continue // not an event (a tombstone, a DLQ record of another format)
        }
        if (typeof target === 'object' && envelope.type !== target.type) continue
        events.push({
          event: envelope,
          topic,
          partition: record.partition,
          offset: record.offset,
          key: record.key?.toString(),
          headers,
        })
      }
    }
    return events
  }

  /**
   * Asserts that an event of `event`'s type whose payload matches `match` was published (by the
   * test, a handler, any service on this broker); returns it. Throws AssertionError otherwise.
   */
  expectPublished<D extends E>(
    event: D,
    match: DeepPartial<PayloadOf<D>> = {} as DeepPartial<PayloadOf<D>>,
  ): PublishedEvent<PayloadOf<D>, TypeOf<D>> {
    const all = this.published(event)
    const found = all.find((p) => matchesPartial(p.event.payload, match))
    if (found) return found
    throw new AssertionError({
      message: `no ${event.type} matching ${show(match)} was published to ${event.topic.name}; published: ${
        all.map((p) => show(p.event.payload)).join(', ') || 'none'
      }`,
      actual: all.map((p) => p.event.payload),
      expected: match,
      operator: 'expectPublished',
    })
  }

  /** The opposite: no event of `event`'s type matching `match` was published. */
  expectNotPublished<D extends E>(event: D, match: DeepPartial<PayloadOf<D>> = {} as DeepPartial<PayloadOf<D>>): void {
    const found = this.published(event).find((p) => matchesPartial(p.event.payload, match))
    if (!found) return
    throw new AssertionError({
      message: `a ${event.type} matching ${show(match)} was published: ${show(found.event.payload)}`,
      actual: found.event.payload,
      expected: match,
      operator: 'expectNotPublished',
    })
  }

  /** The failure records in a topic's DLQ (the topic of `event`, or a topic name), decoded. */
  deadLetters(target: E | string): DeadLetter[] {
    const name = typeof target === 'string' ? target : target.topic.name
    const topic = this.catalog.topic(name)
    const dlq = topic ? dlqName(topic.dlqTemplate, name, this.service) : `${name}.dlq`
    return this.broker
      .records(dlq)
      .map((r) =>
        readDeadLetterRecord({ key: r.key, value: r.value, headers: r.headerEntries.map(([k, v]) => [k, v ?? null]) }),
      )
  }

  // ---- one handler, directly -----------------------------------------------------------------

  /**
   * An event as a handler receives it (the payload validated by the event's schema) and its
   * context: `ctx.publish` publishes to this kit's broker with the event's correlation id.
   */
  handlerContext<D extends E>(event: D, payload: InputOf<D>, options: HandlerContextOptions = {}): HandlerCall<D> {
    const validated = validateSchema(event.schema, payload)
    if (validated instanceof Promise)
      throw new KafkitError(ErrorCodes.CONFIG_INVALID, `${event.type}: its schema validates asynchronously`)
    if (!validated.ok)
      throw new KafkitError(ErrorCodes.PAYLOAD_INVALID, `invalid ${event.type} payload: ${show(validated.issues)}`)
    const envelope = createEnvelope({
      type: event.type,
      version: event.version,
      source: this.service,
      payload: validated.value as PayloadOf<D>,
      correlationId: options.correlationId,
      timestamp: new Date(this.clock.now()),
    }) as ConsumedEvent<PayloadOf<D>, TypeOf<D>>
    const headers = new Map(Object.entries(options.headers ?? {}))
    const facts = {
      topic: options.topic ?? event.topic.name,
      partition: options.partition ?? 0,
      offset: options.offset ?? 0n,
      key: options.key,
      timestamp: new Date(this.clock.now()),
      headers,
      group: options.group ?? `${this.service}-group`,
      tier: -1,
    }
    const publisher = {
      publish: <P extends AnyEvent>(e: P, p: InputOf<P>, o?: PublishOptions) =>
        runInEventContext(envelope, headers, () => this.kafkit.producer.publish(e, p, o)),
    }
    const ctx = new Context(facts, envelope, options.attempt ?? 1, [], this.kafkit.logger, publisher)
    options.signal?.addEventListener('abort', () => ctx.abort(reasonOf(options.signal!)), { once: true })
    return { event: envelope, ctx }
  }

  // ---- shutting down -------------------------------------------------------------------------

  /** Stops every consumer and the producer; with a virtual clock, time moves on as the stop needs it. */
  async close(): Promise<void> {
    let done = false
    const closing = this.kafkit.close().finally(() => (done = true))
    await this.waitFor(() => done, { timeout: 30_000, describe: () => 'close() did not finish' })
    await closing
  }
}

/** Kafkit whose consumers the kit prepares (kafkit's own class, one hook added). */
class TestingKafkit<E extends AnyEvent> extends Kafkit<E> {
  readonly #prepare: (consumer: Consumer<E>, options: KafkitConsumerOptions) => void

  constructor(prepare: (consumer: Consumer<E>, options: KafkitConsumerOptions) => void, options: KafkitOptions<E>) {
    super(options)
    this.#prepare = prepare
  }

  override consumer(options: KafkitConsumerOptions = {}): Consumer<E> {
    const consumer = super.consumer(options)
    this.#prepare(consumer, options)
    return consumer
  }
}

export function createTestKafkit<const E extends AnyEvent>(options: TestKafkitOptions<E>): TestKafkit<E> {
  return new TestKafkit(options)
}

function maxBytes(configs: Record<string, string>): { maxMessageBytes?: number } {
  const value = configs['max.message.bytes']
  return value === undefined ? {} : { maxMessageBytes: Number(value) }
}

function dlqName(template: string, topic: string, service: string): string {
  return template.replaceAll('{topic}', topic).replaceAll('{service}', service)
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
  } catch {
    return errorMessage(value)
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

function silentLogger(): Logger {
  return createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' })
}

function systemTime(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (cb, ms) => setTimeout(cb, ms),
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
  }
}
