// The shape of a loaded configuration (loadConfig makes it; redaction and the facade read it).
import type { SchemaRegistryOptions } from '../registry/client.ts'
import type { Duration } from '../util/duration.ts'
import type { ClientOptions } from './client.ts'
import type { Origin } from './sources.ts'

/** One key's value and where it came from. Secret values hide themselves from JSON and inspect. */
export interface ConfigSetting {
  readonly path: string
  readonly env: string
  readonly value: unknown
  readonly origin: Origin
  /** Where the value came from, as messages say it: `KAFKA_BROKERS (environment variable)`. */
  readonly source: string
  readonly secret: boolean
}

export interface ProducerSettings {
  acks: 'all' | 'leader' | 'none'
  idempotent: boolean
  compression: 'snappy' | 'gzip' | 'lz4' | 'zstd' | 'none'
  linger: Duration
  deliveryTimeout: Duration
  retries?: number
}

export interface ConsumerSettings {
  group?: string
  concurrency: number
  retry: { maxAttempts: number }
  retryTopics?: Duration[]
  fetchMinBytes: number
  fetchMaxBytes: number
  autoOffsetReset: 'earliest' | 'latest' | 'now'
  ordering: 'key' | 'partition' | 'none'
  decode: 'tolerant' | 'strict'
  handlerTimeout: Duration
  shutdownTimeout: Duration
  startTimeout?: Duration
  rebalanceProtocol: 'eager' | 'cooperative' | 'consumer'
  /** `true`, or `{ id, timeout }` when `consumer.transactionalId` or `consumer.transactionTimeout` is set. */
  transactional: boolean | { id?: string; timeout?: Duration }
  isolation: 'read_committed' | 'read_uncommitted'
}

/** Name templates for topics defined from config (`defineTopic({ name, ...config.topics })`). */
export interface TopicNaming {
  dlq?: string
  retry?: string
}

export interface KafkitConfig {
  client: ClientOptions
  /** Ready to spread into producer options. */
  producer: ProducerSettings
  /** Ready to spread into consumer options. */
  consumer: ConsumerSettings
  topics: TopicNaming
  /** The schema registry (SCHEMA_REGISTRY_URL and its credentials), when one is configured. */
  registry: SchemaRegistryOptions | undefined
  log: { level: string; format: 'auto' | 'json' | 'pretty' }
  app: { host: string; port: number }
  /** Topics of single-topic tools (KAFKA_PRODUCER_TOPIC, KAFKA_CONSUMER_TOPIC). */
  tools: { producerTopic: string | undefined; consumerTopic: string | undefined }
  /** The file read, as shown in messages, if any. */
  file: string | undefined
  /** Every key with its value (or default) and origin. */
  settings: readonly ConfigSetting[]
}
