// createKafkit: one object per service holding its catalog, one producer and its consumers.
// `publish` and `consumer().on()` are all most services need; `close()` drains and flushes.
import { ensureTopics, topicSpecsFor, type EnsureTopicsOptions, type EnsureTopicsReport } from '../admin/index.ts'
import { Catalog } from '../catalog/catalog.ts'
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { ClientOptions } from '../config/client.ts'
import { loadConfig, type KafkitConfig } from '../config/load.ts'
import { checkConnection, type CheckConnectionOptions, type ConnectionInfo } from './connect.ts'
import { Consumer, type ConsumerOptions } from '../consumer/consumer.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { createLogger, withFields, type Logger } from '../logging/logger.ts'
import { deprecated, renamed } from '../util/deprecated.ts'
import { worstStatus, type HealthOptions, type KafkitHealth } from '../observability/health.ts'
import { Producer, type ProducerOptions, type PublishItem } from '../producer/index.ts'
import type { CheckedItems } from '../producer/producer.ts'
import { PRODUCER_RENAMES } from '../producer/options.ts'
import { RETRY_RENAMES } from '../consumer/retry.ts'
import { SchemaRegistry, type SchemaRegistryOptions } from '../registry/client.ts'
import type { DeliveryCallback, PublishOptions, PublishResult } from '../producer/types.ts'

export interface KafkitOptions<E extends AnyEvent> {
  /** The service name: envelope `source`, default consumer group `{service}-group`. */
  service: string
  catalog: Catalog<E> | readonly E[]
  /**
   * Settings from `loadConfig()`: client, producer and consumer defaults, log level. A service
   * configured by its environment passes `config: loadConfig()`; kafkit reads no file, variable or
   * argument by itself. (Given neither `config` nor `client`, it still loads the configuration, with
   * a deprecation warning; in 1.0 that is a ConfigError.)
   */
  config?: KafkitConfig
  /** Connection settings; with `client` and no `config`, only what is passed in code applies. */
  client?: ClientOptions
  /** Default: a pino logger at the configured level (`createLogger`). */
  logger?: Logger
  /** Over the config's producer settings. */
  producer?: Omit<ProducerOptions, 'client' | 'service' | 'logger'>
  /** Defaults for every consumer this instance creates (over the config's consumer settings). */
  consumer?: KafkitConsumerOptions
  /**
   * OpenTelemetry spans and metrics of the producer and consumers (no-ops until the application
   * registers an SDK). Default true; `producer.telemetry` / `consumer.telemetry` override it.
   */
  telemetry?: boolean
  /**
   * The schema registry of topics with a registry codec. Default: from the configuration
   * (SCHEMA_REGISTRY_URL and its credentials), none if unset.
   */
  registry?: SchemaRegistry | SchemaRegistryOptions
}

export type KafkitConsumerOptions = Omit<ConsumerOptions, 'client' | 'catalog' | 'service' | 'logger' | 'producer'>

export class Kafkit<E extends AnyEvent = AnyEvent> {
  readonly service: string
  readonly catalog: Catalog<E>
  readonly client: ClientOptions
  readonly logger: Logger
  /** The configuration this instance was made from, if any. */
  readonly config: KafkitConfig | undefined
  /** The schema registry, when one is configured. */
  readonly registry: SchemaRegistry | undefined
  readonly #producerOptions: Omit<ProducerOptions, 'client' | 'service' | 'logger'>
  readonly #consumerDefaults: KafkitConsumerOptions
  readonly #consumers: Consumer<E>[] = []
  #producer: Producer | undefined
  #closed = false

  constructor(options: KafkitOptions<E>) {
    this.service = options.service
    this.catalog = options.catalog instanceof Catalog ? options.catalog : new Catalog(options.catalog)
    this.config = options.config ?? (options.client ? undefined : implicitConfig())
    // One of the two is defined: config is loaded above whenever client is not given.
    this.client = options.client ?? this.config!.client
    const telemetry = options.telemetry === undefined ? {} : { telemetry: options.telemetry }
    const registry = options.registry ?? this.config?.registry
    this.registry =
      registry === undefined || registry instanceof SchemaRegistry ? registry : new SchemaRegistry(registry)
    this.#producerOptions = {
      ...this.config?.producer,
      ...telemetry,
      ...(this.registry ? { registry: this.registry } : {}),
      // Former names are renamed first, so that `lingerMs` in code wins over the config's `linger`.
      ...renamed(options.producer ?? {}, PRODUCER_RENAMES, 'producer'),
    }
    this.#consumerDefaults = mergeConsumerOptions({ ...this.config?.consumer, ...telemetry }, options.consumer ?? {})
    const logger = options.logger ?? createLogger({ name: options.service, ...this.config?.log })
    this.logger = withFields(logger, { service: options.service })
  }

  /** The producer, created on first use. */
  get producer(): Producer {
    if (this.#closed) throw new KafkitError(ErrorCodes.PRODUCER_CLOSED, 'this kafkit instance is closed')
    this.#producer ??= new Producer({
      topics: this.catalog.topics(),
      ...this.#producerOptions,
      client: this.client,
      service: this.service,
      logger: this.logger,
    })
    return this.#producer
  }

  /** Publishes and resolves once the broker acknowledged (topic, partition, offset). */
  publish<D extends E>(event: D, payload: InputOf<D>, options?: PublishOptions): Promise<PublishResult> {
    return this.producer.publish(event, payload, options)
  }

  publishBatch<const T extends readonly PublishItem<E>[]>(items: T & CheckedItems<T>): Promise<PublishResult[]> {
    return this.producer.publishBatch(items)
  }

  /** Fire and forget, batched; the outcome comes through `callback` and the producer's `onDelivery` listeners. */
  publishAsync<D extends E>(
    event: D,
    payload: InputOf<D>,
    options?: PublishOptions,
    callback?: DeliveryCallback,
  ): void {
    this.producer.publishAsync(event, payload, options, callback)
  }

  /** A new consumer (group `{service}-group` unless given); start it after registering handlers. */
  consumer(options: KafkitConsumerOptions = {}): Consumer<E> {
    if (this.#closed) throw new KafkitError(ErrorCodes.CONSUMER_STATE, 'this kafkit instance is closed')
    const consumer = new Consumer<E>({
      ...mergeConsumerOptions(this.#consumerDefaults, options),
      client: this.client,
      catalog: this.catalog,
      service: this.service,
      logger: this.logger,
      producer: this.producer,
      ...(this.registry ? { registry: this.registry } : {}),
    })
    this.#consumers.push(consumer)
    return consumer
  }

  /**
   * Checks once, without retries, that the brokers answer and accept the credentials: call it at
   * start so that a wrong password or broker list fails in seconds with a message naming the setting.
   */
  connect(options: Pick<CheckConnectionOptions, 'timeout' | 'timeoutMs'> = {}): Promise<ConnectionInfo> {
    return checkConnection(this.client, { ...options, ...(this.config && { config: this.config }) })
  }

  /** Creates the catalog's topics and their DLQs where missing, and waits for their leaders. */
  provision(options: EnsureTopicsOptions = {}): Promise<EnsureTopicsReport> {
    return ensureTopics(this.client, topicSpecsFor(this.catalog, { service: this.service }), {
      logger: this.logger,
      ...options,
    })
  }

  /**
   * The health of the producer (once used) and of every consumer: `status` is the worst of theirs.
   * For readiness and liveness probes (see docs/observability.md); no I/O.
   */
  health(options: HealthOptions = {}): KafkitHealth {
    const producer = this.#producer?.health()
    const consumers = this.#consumers.map((c) => c.health(options))
    const parts = [...(producer ? [producer.status] : []), ...consumers.map((c) => c.status)]
    return { status: worstStatus(parts), service: this.service, producer, consumers }
  }

  /** Stops every consumer (drain, commit, leave), then flushes and closes the producer. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all(this.#consumers.map((c) => c.close()))
    await this.#producer?.close()
    this.registry?.close()
  }
}

/** Options over defaults; the retry policy and the transactional settings are merged field by field. */
function mergeConsumerOptions(base: KafkitConsumerOptions, over: KafkitConsumerOptions): KafkitConsumerOptions {
  const merged = { ...base, ...over }
  // Former names renamed first, so that `initialBackoffMs` here wins over `initialBackoff` there.
  const retry = (given: KafkitConsumerOptions['retry']) => given && renamed(given, RETRY_RENAMES, 'retry')
  if (base.retry && over.retry) merged.retry = { ...retry(base.retry), ...retry(over.retry) }
  // `transactional: true` in code keeps the id and timeout the configuration gives.
  if (typeof base.transactional === 'object' && over.transactional !== undefined && over.transactional !== false)
    merged.transactional =
      over.transactional === true ? base.transactional : { ...base.transactional, ...over.transactional }
  return merged
}

export function createKafkit<const E extends AnyEvent>(options: KafkitOptions<E>): Kafkit<E> {
  return new Kafkit(options)
}

/** The configuration of a caller that gave neither `config` nor `client` (deprecated). */
function implicitConfig(): KafkitConfig {
  // A library reading the host program's arguments and variables unasked surprises it (a `--config`
  // meant for the program, a variable meant for another client): the caller says so explicitly.
  deprecated('createKafkit() without config or client', 'createKafkit({ config: loadConfig() })')
  return loadConfig()
}
