// Every configuration key kafkit knows: its path in the file, its environment variable, default,
// an example of a valid value and whether it is a secret. docs/configuration.md is this table in
// prose (a test keeps the two in step); the loader, the validator and the printer all read it.
import { z } from 'zod'
import { parseDuration } from '../util/duration.ts'

export type KeyKind = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'duration'

export interface ConfigKey {
  /** Dotted path in the YAML file, e.g. `consumer.concurrency`. */
  readonly path: string
  /** The environment variable that sets it (and wins over the file). */
  readonly env: string
  readonly kind: KeyKind
  readonly schema: z.ZodType
  /** What a valid value is, completing "must be ...". */
  readonly expect: string
  /** A valid value as a user would write it. */
  readonly example: string
  /** Undefined: not set unless given (the SDK's own default then applies, see `doc`). */
  readonly default?: unknown
  /** Never printed or logged. */
  readonly secret?: boolean
  /** Other spellings accepted for an enum value, e.g. Java's `-1` for acks `all`. */
  readonly aliases?: Readonly<Record<string, string>>
  /**
   * Other variables that set this key, read when `env` is not set: the seeds' names
   * (`KAFKA_CONSUMER_WORKERS`, the EDA seed's `APP_KAFKA_BROKERS`). Kept for good, without warning.
   */
  readonly envAliases?: readonly string[]
  /** Former names, still read with a deprecation warning until 1.0 (CHANGELOG.md). */
  readonly deprecated?: { readonly paths?: readonly string[]; readonly env?: readonly string[] }
  readonly doc: string
}

type KindSpec = Pick<ConfigKey, 'kind' | 'schema' | 'expect'>

const int = (min: number): KindSpec => ({
  kind: 'int',
  schema: z.number().int().min(min),
  expect: min === 1 ? 'a positive integer' : `an integer >= ${min}`,
})
const bool: KindSpec = { kind: 'bool', schema: z.boolean(), expect: 'true or false' }
const text: KindSpec = { kind: 'string', schema: z.string().min(1), expect: 'a non-empty string' }
const oneOf = (values: readonly [string, ...string[]]): KindSpec => ({
  kind: 'enum',
  schema: z.enum(values),
  expect: `one of ${values.join(', ')}`,
})
const list: KindSpec = {
  kind: 'list',
  schema: z.array(z.string().min(1)).min(1),
  expect: 'a non-empty list (comma-separated in a variable)',
}
const duration: KindSpec = {
  kind: 'duration',
  schema: z.union([z.number(), z.string()]).refine((v) => parseDuration(v) !== undefined),
  expect: 'a duration: milliseconds, or a number with ms, s, m, h or d',
}
const positiveDuration: KindSpec = {
  ...duration,
  schema: z.union([z.number(), z.string()]).refine((v) => (parseDuration(v) ?? 0) > 0),
  expect: 'a positive duration: milliseconds, or a number with ms, s, m, h or d',
}
const durations: KindSpec = {
  kind: 'list',
  schema: z.array(z.string().refine((v) => parseDuration(v) !== undefined && parseDuration(v)! > 0)),
  expect: 'a list of positive durations (comma-separated in a variable)',
}
// `{topic}`, `{group}`, `{service}` and `{delay}` are filled in per topic; the rest must be a valid name.
const template: KindSpec = {
  kind: 'string',
  schema: z.string().regex(/^([a-zA-Z0-9._-]|\{(topic|group|service|delay)\})+$/),
  expect: 'a topic name of letters, digits, ".", "_", "-" and optional {topic}, {group} placeholders',
}
const host: KindSpec = {
  kind: 'string',
  schema: z.string().regex(/^[^\s/]+$/),
  expect: 'a host name or IP address',
}

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const

function hasValidPort(broker: string): boolean {
  const port = Number(broker.slice(broker.lastIndexOf(':') + 1))
  return port >= 1 && port <= 65535
}

const CLIENT_KEYS: ConfigKey[] = [
  {
    path: 'client.brokers',
    env: 'KAFKA_BROKERS',
    ...list,
    // The port is checked here: the wire client would take 99999 and fail later, far from the cause.
    schema: z
      .array(
        z
          .string()
          .regex(/^[^\s:]+:\d{1,5}$/)
          .refine(hasValidPort),
      )
      .min(1),
    expect: 'a list of host:port (comma-separated in a variable)',
    example: 'localhost:9092,localhost:9093',
    envAliases: ['APP_KAFKA_BROKERS'],
    default: ['127.0.0.1:9092'],
    doc: 'Bootstrap brokers.',
  },
  {
    path: 'client.clientId',
    env: 'KAFKA_CLIENT_ID',
    ...text,
    example: 'order-service',
    doc: 'Client id sent to the brokers (quotas, broker logs). Default: the service name.',
  },
  {
    path: 'client.securityProtocol',
    env: 'KAFKA_SECURITY_PROTOCOL',
    ...oneOf(SECURITY_PROTOCOLS),
    example: 'SASL_SSL',
    envAliases: ['APP_KAFKA_SECURITY_PROTOCOL'],
    default: 'PLAINTEXT',
    doc: 'SSL and SASL_SSL turn TLS on; SASL_PLAINTEXT and SASL_SSL require the SASL settings.',
  },
  {
    path: 'client.sasl.mechanism',
    env: 'KAFKA_SASL_MECHANISM',
    ...oneOf(SASL_MECHANISMS),
    example: 'PLAIN',
    envAliases: ['APP_KAFKA_SASL_MECHANISM'],
    doc: 'Required with SASL_PLAINTEXT / SASL_SSL.',
  },
  {
    path: 'client.sasl.username',
    env: 'KAFKA_SASL_USERNAME',
    ...text,
    example: 'my-api-key',
    envAliases: ['APP_KAFKA_SASL_USERNAME'],
    doc: 'SASL user (Confluent Cloud: the API key). Required unless the mechanism is OAUTHBEARER.',
  },
  {
    path: 'client.sasl.password',
    env: 'KAFKA_SASL_PASSWORD',
    ...text,
    example: 'my-api-secret',
    envAliases: ['APP_KAFKA_SASL_PASSWORD'],
    secret: true,
    doc: 'SASL password (Confluent Cloud: the API secret). Required unless the mechanism is OAUTHBEARER.',
  },
  {
    path: 'client.sasl.token',
    env: 'KAFKA_SASL_OAUTHBEARER_TOKEN',
    ...text,
    example: 'eyJhbGciOi...',
    secret: true,
    doc: 'A static OAUTHBEARER token (for refreshing tokens pass a function in code instead).',
  },
  {
    path: 'client.tls.caFile',
    env: 'KAFKA_TLS_CA_FILE',
    ...text,
    example: '/etc/kafka/ca.pem',
    doc: 'PEM file of the CA(s) to trust. Default: the system CAs.',
  },
  {
    path: 'client.tls.certFile',
    env: 'KAFKA_TLS_CERT_FILE',
    ...text,
    example: '/etc/kafka/client.pem',
    doc: 'PEM client certificate (mutual TLS); needs client.tls.keyFile.',
  },
  {
    path: 'client.tls.keyFile',
    env: 'KAFKA_TLS_KEY_FILE',
    ...text,
    example: '/etc/kafka/client.key',
    doc: 'PEM private key of the client certificate; needs client.tls.certFile.',
  },
  {
    path: 'client.tls.keyPassword',
    env: 'KAFKA_TLS_KEY_PASSWORD',
    ...text,
    example: 'key-passphrase',
    secret: true,
    doc: 'Passphrase of an encrypted private key.',
  },
  {
    path: 'client.tls.serverName',
    env: 'KAFKA_TLS_SERVER_NAME',
    ...host,
    example: 'pkc-xxxxx.us-east-1.aws.confluent.cloud',
    default: 'auto',
    doc: "SNI: `auto` sends each broker's host name (Confluent Cloud routes by it), `off` sends none, anything else is sent as is.",
  },
  {
    path: 'client.tls.rejectUnauthorized',
    env: 'KAFKA_TLS_REJECT_UNAUTHORIZED',
    ...bool,
    example: 'true',
    default: true,
    doc: "Verify the brokers' certificates. Turn off only against a test cluster.",
  },
  {
    path: 'client.connectTimeout',
    env: 'KAFKA_CONNECT_TIMEOUT',
    ...positiveDuration,
    example: '10s',
    deprecated: { paths: ['client.connectTimeoutMs'], env: ['KAFKA_CONNECT_TIMEOUT_MS'] },
    doc: "Connection timeout. Default: the wire client's (5 s).",
  },
  {
    path: 'client.requestTimeout',
    env: 'KAFKA_REQUEST_TIMEOUT',
    ...positiveDuration,
    example: '30s',
    deprecated: { paths: ['client.requestTimeoutMs'], env: ['KAFKA_REQUEST_TIMEOUT_MS'] },
    doc: "Bound of one request to one broker. Default: the publish deadline for produce requests, 5 s for metadata requests, the call's own bound for `connect()` and provisioning.",
  },
]

const PRODUCER_KEYS: ConfigKey[] = [
  {
    path: 'producer.acks',
    env: 'KAFKA_PRODUCER_ACKS',
    ...oneOf(['all', 'leader', 'none']),
    expect: 'one of all, leader, none (or -1, 1, 0)',
    aliases: { '-1': 'all', '1': 'leader', '0': 'none' },
    example: 'all',
    default: 'all',
    doc: 'Acknowledgements a publish waits for. `-1`, `1` and `0` are accepted as in the Java client.',
  },
  {
    path: 'producer.idempotent',
    env: 'KAFKA_PRODUCER_IDEMPOTENT',
    ...bool,
    example: 'true',
    default: true,
    doc: 'Broker-side de-duplication of retried batches; requires acks `all`.',
  },
  {
    path: 'producer.retries',
    env: 'KAFKA_PRODUCER_RETRIES',
    ...int(0),
    example: '3',
    doc: 'Caps retries of a failed send. Default: retry until the delivery timeout.',
  },
  {
    path: 'producer.compression',
    env: 'KAFKA_PRODUCER_COMPRESSION',
    ...oneOf(['snappy', 'gzip', 'lz4', 'zstd', 'none']),
    example: 'lz4',
    default: 'snappy',
    doc: 'Batch compression.',
  },
  {
    path: 'producer.linger',
    env: 'KAFKA_PRODUCER_LINGER',
    ...duration,
    example: '5ms',
    default: '5ms',
    deprecated: { paths: ['producer.lingerMs'], env: ['KAFKA_PRODUCER_LINGER_MS'] },
    doc: 'How long async publishes wait to fill a batch.',
  },
  {
    path: 'producer.deliveryTimeout',
    env: 'KAFKA_PRODUCER_DELIVERY_TIMEOUT',
    ...positiveDuration,
    example: '30s',
    default: '30s',
    deprecated: { paths: ['producer.deliveryTimeoutMs'], env: ['KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS'] },
    doc: 'A publish settles (acknowledged, failed or timed out) within this time.',
  },
  {
    path: 'producer.topic',
    env: 'KAFKA_PRODUCER_TOPIC',
    ...text,
    example: 'events',
    doc: 'For single-topic tools (the cmd producer); catalog-based services ignore it.',
  },
]

const CONSUMER_KEYS: ConfigKey[] = [
  {
    path: 'consumer.group',
    env: 'KAFKA_CONSUMER_GROUP',
    ...text,
    example: 'inventory-group',
    envAliases: ['KAFKA_CONSUMER_GROUP_ID', 'APP_KAFKA_GROUP_ID'],
    deprecated: { paths: ['consumer.groupId'] },
    doc: 'Consumer group. Default: `{service}-group`. Each service needs its own.',
  },
  {
    path: 'consumer.concurrency',
    env: 'KAFKA_CONSUMER_CONCURRENCY',
    ...int(1),
    example: '8',
    default: 10,
    envAliases: ['KAFKA_CONSUMER_WORKERS'],
    deprecated: { paths: ['consumer.workers'] },
    doc: 'Handlers running at once (the worker pool; order per key is kept).',
  },
  {
    path: 'consumer.retry.maxAttempts',
    env: 'KAFKA_CONSUMER_RETRY_MAX_ATTEMPTS',
    ...int(1),
    example: '3',
    default: 3,
    envAliases: ['KAFKA_CONSUMER_RETRY_MAX'],
    deprecated: { paths: ['consumer.retryMax'] },
    doc: 'Deliveries of a failing record in-process, the first included, before it moves to a retry topic or the DLQ.',
  },
  {
    path: 'consumer.retryTopics',
    env: 'KAFKA_CONSUMER_RETRY_TOPICS',
    ...durations,
    example: '5s,1m',
    deprecated: { paths: ['consumer.retryDelays'], env: ['KAFKA_CONSUMER_RETRY_DELAYS'] },
    doc: 'Delays of the retry-topic tiers, tried after the in-process retries. Default none (straight to the DLQ).',
  },
  {
    path: 'consumer.fetchMinBytes',
    env: 'KAFKA_CONSUMER_FETCH_MIN_BYTES',
    ...int(1),
    example: '1024',
    default: 1,
    doc: 'The broker answers a fetch once it has this many bytes (or the wait ends).',
  },
  {
    path: 'consumer.fetchMaxBytes',
    env: 'KAFKA_CONSUMER_FETCH_MAX_BYTES',
    ...int(1),
    example: '4194304',
    default: 1024 * 1024,
    doc: "Most bytes one fetch returns (with the per-partition bound, what keeps a slow consumer's memory flat).",
  },
  {
    path: 'consumer.autoOffsetReset',
    env: 'KAFKA_CONSUMER_AUTO_OFFSET_RESET',
    ...oneOf(['earliest', 'latest', 'now']),
    example: 'earliest',
    default: 'earliest',
    doc: 'Where a group without committed offsets starts: `now` is the end of each partition when the consumer starts (nothing produced after it is missed).',
  },
  {
    path: 'consumer.ordering',
    env: 'KAFKA_CONSUMER_ORDERING',
    ...oneOf(['key', 'partition', 'none']),
    example: 'key',
    default: 'key',
    doc: 'What stays in order under concurrency.',
  },
  {
    path: 'consumer.decode',
    env: 'KAFKA_CONSUMER_DECODE',
    ...oneOf(['tolerant', 'strict']),
    example: 'strict',
    default: 'tolerant',
    doc: 'How envelopes are read: `tolerant` accepts and counts what Go producers write without `omitempty` or `.UTC()`; `strict` dead-letters it.',
  },
  {
    path: 'consumer.handlerTimeout',
    env: 'KAFKA_CONSUMER_HANDLER_TIMEOUT',
    ...duration,
    example: '30s',
    default: '30s',
    doc: 'Per-attempt handler timeout.',
  },
  {
    path: 'consumer.shutdownTimeout',
    env: 'KAFKA_CONSUMER_SHUTDOWN_TIMEOUT',
    ...duration,
    example: '30s',
    default: '30s',
    doc: 'How long a stop lets in-flight handlers finish.',
  },
  {
    path: 'consumer.startTimeout',
    env: 'KAFKA_CONSUMER_START_TIMEOUT',
    ...positiveDuration,
    example: '90s',
    doc: 'How long `start()` may take to join the group and begin fetching. Default: the rebalance timeout + 10 s (70 s).',
  },
  {
    path: 'consumer.rebalanceProtocol',
    env: 'KAFKA_CONSUMER_REBALANCE_PROTOCOL',
    ...oneOf(['eager', 'cooperative', 'consumer']),
    example: 'cooperative',
    default: 'eager',
    doc: 'How partitions move between members: `eager` revokes all at each rebalance, `cooperative` only those that move, `consumer` is KIP-848 (Kafka 4+).',
  },
  {
    path: 'consumer.transactional',
    env: 'KAFKA_CONSUMER_TRANSACTIONAL',
    ...bool,
    example: 'true',
    default: false,
    doc: 'Consume-transform-produce in one Kafka transaction (exactly-once between topics).',
  },
  {
    path: 'consumer.transactionalId',
    env: 'KAFKA_CONSUMER_TRANSACTIONAL_ID',
    ...text,
    example: 'billing-0',
    doc: "Prefix of a transactional consumer's transactional ids (`{id}.{group}`): stable per instance (a pod name) and never shared by two live instances, so that a restarted instance aborts its predecessor's open transaction at once. Default: unique per process. Needs `consumer.transactional: true`.",
  },
  {
    path: 'consumer.transactionTimeout',
    env: 'KAFKA_CONSUMER_TRANSACTION_TIMEOUT',
    ...positiveDuration,
    example: '30s',
    doc: "A transactional consumer's transaction timeout: the broker aborts a transaction open longer. Default 60 s. Needs `consumer.transactional: true`.",
  },
  {
    path: 'consumer.isolation',
    env: 'KAFKA_CONSUMER_ISOLATION',
    ...oneOf(['read_committed', 'read_uncommitted']),
    example: 'read_committed',
    default: 'read_committed',
    doc: '`read_committed` skips records of open and aborted transactions; `read_uncommitted` reads every record at once.',
  },
  {
    path: 'consumer.topic',
    env: 'KAFKA_CONSUMER_TOPIC',
    ...text,
    example: 'events',
    doc: 'For single-topic tools (the cmd consumer); catalog-based services ignore it.',
  },
]

const REGISTRY_KEYS: ConfigKey[] = [
  {
    path: 'registry.url',
    env: 'SCHEMA_REGISTRY_URL',
    kind: 'string',
    schema: z.url({ protocol: /^https?$/ }),
    expect: 'an http(s) URL',
    example: 'https://psrc-12345.europe-west3.gcp.confluent.cloud',
    doc: 'A Confluent-compatible schema registry, for topics with a registry codec (`registry-json`, `registry-avro`, `registry-protobuf`) (the local one: `http://127.0.0.1:18081/apis/ccompat/v7`).',
  },
  {
    path: 'registry.username',
    env: 'SCHEMA_REGISTRY_USERNAME',
    ...text,
    example: 'my-registry-api-key',
    doc: 'Basic-auth user of the registry (Confluent Cloud: the schema registry API key).',
  },
  {
    path: 'registry.password',
    env: 'SCHEMA_REGISTRY_PASSWORD',
    ...text,
    example: 'my-registry-api-secret',
    secret: true,
    doc: 'Basic-auth password of the registry (Confluent Cloud: the API secret).',
  },
  {
    path: 'registry.autoRegister',
    env: 'SCHEMA_REGISTRY_AUTO_REGISTER',
    ...bool,
    example: 'false',
    default: true,
    doc: 'Producers register catalog schemas the registry lacks; false: they only look them up (`kafkit schema push` registers).',
  },
  {
    path: 'registry.requestTimeout',
    env: 'SCHEMA_REGISTRY_REQUEST_TIMEOUT',
    ...positiveDuration,
    example: '10s',
    default: '5s',
    deprecated: { paths: ['registry.requestTimeoutMs'], env: ['SCHEMA_REGISTRY_TIMEOUT_MS'] },
    doc: 'Bound of one registry request; a registry that does not answer is retried 3 times, then the call fails.',
  },
]

const OTHER_KEYS: ConfigKey[] = [
  {
    path: 'topics.retryPrefix',
    env: 'KAFKA_RETRY_TOPIC_PREFIX',
    ...template,
    example: 'events-retry',
    doc: 'Retry-tier topics of topics defined from config are named `{prefix}.{group}.{delay}`. Default: `{topic}.retry.{group}.{delay}`.',
  },
  {
    path: 'topics.dlq',
    env: 'KAFKA_DLQ_TOPIC',
    ...template,
    example: 'events-dlq',
    doc: 'DLQ topic name (template) of topics defined from config. Default: `{topic}.dlq`.',
  },
  {
    path: 'log.level',
    env: 'LOG_LEVEL',
    ...oneOf(LOG_LEVELS),
    example: 'debug',
    envAliases: ['APP_LOGGER_LEVEL'],
    default: 'info',
    doc: 'Lowest level logged.',
  },
  {
    path: 'log.format',
    env: 'LOG_FORMAT',
    ...oneOf(LOG_FORMATS),
    expect: 'one of auto, json, pretty (or console, as pretty)',
    aliases: { console: 'pretty' },
    example: 'json',
    default: 'auto',
    envAliases: ['APP_LOGGER_ENCODING'],
    doc: "`auto`: human-readable when stdout is a terminal, JSON lines otherwise. `console` (the EDA seed's word) is `pretty`.",
  },
  {
    path: 'app.host',
    env: 'APP_SERVER_HOST',
    ...host,
    example: '0.0.0.0',
    default: '127.0.0.1',
    doc: 'HTTP listen address of services built on kafkit (the examples); the SDK ignores it.',
  },
  {
    path: 'app.port',
    env: 'APP_SERVER_PORT',
    ...int(0),
    schema: z.number().int().min(0).max(65535),
    expect: 'a port number 0-65535 (0: any free port)',
    example: '8080',
    default: 8080,
    doc: 'HTTP port of services built on kafkit (the examples); the SDK ignores it.',
  },
]

export const CONFIG_KEYS: readonly ConfigKey[] = [
  ...CLIENT_KEYS,
  ...PRODUCER_KEYS,
  ...CONSUMER_KEYS,
  ...REGISTRY_KEYS,
  ...OTHER_KEYS,
]

export const KEYS_BY_PATH: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.path, k]))

/** Deprecated file keys, to the key they now are. */
export const FORMER_PATHS: ReadonlyMap<string, ConfigKey> = new Map(
  CONFIG_KEYS.flatMap((k) => (k.deprecated?.paths ?? []).map((path) => [path, k] as const)),
)
