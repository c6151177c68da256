// defineTopic: a topic's name, partition key, layout, retention and its DLQ / retry topic names.
import { CatalogError } from '../errors.ts'
import type { CodecName } from '../envelope/registry.ts'
import type { EnvelopeCodec } from '../envelope/codec.ts'
import { REGISTRY_CODECS, type RegistryCodecName } from '../registry/names.ts'
import { resolvePartitioner, type PartitionerOption, type TopicPartitioner } from './partitioners.ts'
import { parseDuration, type Duration } from '../util/duration.ts'

export const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000
export const DEFAULT_PARTITIONS = 6
export const DEFAULT_DLQ_TEMPLATE = '{topic}.dlq'
export const DEFAULT_RETRY_TEMPLATE = '{topic}.retry.{group}.{delay}'

// The built-in codecs' names (kept here as data so that the catalog does not load the codecs).
const BUILT_IN_CODEC_NAMES: Record<CodecName, true> = {
  json: true,
  series: true,
  'cloudevents-structured': true,
  'cloudevents-binary': true,
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/

export interface TopicDefinition<TKeyInput = unknown> {
  readonly kind: 'topic'
  readonly name: string
  /** The partition key of a payload: the entity id, so one entity's events stay in order. */
  readonly keyOf: (payload: TKeyInput) => string | undefined
  /** The payload field the key comes from, when given by name. */
  readonly keyField: string | undefined
  /** Which partition a key goes to (default murmur2, the Java client's); see partitioners.ts. */
  readonly partitioner: TopicPartitioner
  readonly partitions: number
  /** Undefined means the broker's `default.replication.factor`. */
  readonly replicationFactor: number | undefined
  readonly retentionMs: number
  /** Template of the dead-letter topic's name; `{topic}` is this topic's name. */
  readonly dlqTemplate: string
  /** Template of retry-tier topic names; `{topic}`, `{group}` and `{delay}` (e.g. `30s`). */
  readonly retryTemplate: string
  /** Extra topic configs (`cleanup.policy`, `min.insync.replicas`, ...). */
  readonly config: Readonly<Record<string, string>>
  /** The value's format: a built-in codec, a schema-registry codec (`registry-json`, `registry-avro`) or your own. */
  readonly codec: CodecName | RegistryCodecName | EnvelopeCodec | undefined
  /** Whether DLQ records keep the original value (turn off for sensitive data). */
  readonly dlqIncludesValue: boolean
}

export interface TopicOptionsBase {
  name: string
  partitions?: number
  replicationFactor?: number
  retention?: Duration
  dlq?: string
  retry?: string
  config?: Record<string, string>
  codec?: CodecName | RegistryCodecName | EnvelopeCodec
  dlqIncludesValue?: boolean
  /**
   * How keys map to partitions: "murmur2" (default: Java, franz-go, kafkajs), "fnv1a" (sarama's
   * and kafka-go's hash), "crc32" (librdkafka's default), or `(key, partitions) => partition`.
   */
  partitioner?: PartitionerOption
}

export type KeyField = string

/** Key by payload field name: every event on the topic must carry that field. */
export function defineTopic<const K extends KeyField>(
  options: TopicOptionsBase & { key: K },
): TopicDefinition<{ [P in K]: string | number }>
/** Key by function of the payload. */
export function defineTopic<T>(
  options: TopicOptionsBase & { key: (payload: T) => string | undefined },
): TopicDefinition<T>
/** No key: records spread over partitions, with no ordering between them. */
export function defineTopic(options: TopicOptionsBase & { key?: undefined }): TopicDefinition<unknown>
export function defineTopic(
  options: TopicOptionsBase & { key?: KeyField | ((payload: never) => string | undefined) | undefined },
): TopicDefinition<never> {
  if (!TOPIC_NAME.test(options.name) || options.name === '.' || options.name === '..') {
    throw new CatalogError(
      `topic name "${options.name}" is not valid: use letters, digits, ".", "_" and "-" (at most 249), e.g. "txova.rides.v1"`,
    )
  }
  const partitions = options.partitions ?? DEFAULT_PARTITIONS
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new CatalogError(`topic ${options.name}: partitions must be a positive integer (got ${partitions})`)
  }
  const rf = options.replicationFactor
  if (rf !== undefined && (!Number.isInteger(rf) || rf < 1)) {
    throw new CatalogError(`topic ${options.name}: replicationFactor must be a positive integer (got ${rf})`)
  }
  const retentionMs = options.retention === undefined ? DEFAULT_RETENTION_MS : parseDuration(options.retention)
  // Zero retention would let the broker delete records before consumers read them.
  if (retentionMs === undefined || retentionMs <= 0) {
    throw new CatalogError(
      `topic ${options.name}: retention "${String(options.retention)}" is not a positive duration (e.g. "7d")`,
    )
  }
  const codec = options.codec
  if (
    typeof codec === 'string' &&
    !(codec in BUILT_IN_CODEC_NAMES) &&
    !(REGISTRY_CODECS as readonly string[]).includes(codec)
  ) {
    throw new CatalogError(
      `topic ${options.name}: codec "${codec}" is unknown: use one of ${[...Object.keys(BUILT_IN_CODEC_NAMES), ...REGISTRY_CODECS].join(', ')}, or a codec object`,
    )
  }
  const partitioner = resolvePartitioner(options.name, options.partitioner)
  const key = options.key
  const keyOf: (payload: never) => string | undefined =
    key === undefined ? () => undefined : typeof key === 'string' ? fieldKey(options.name, key) : key
  return Object.freeze({
    kind: 'topic' as const,
    name: options.name,
    keyOf,
    keyField: typeof key === 'string' ? key : undefined,
    partitioner,
    partitions,
    replicationFactor: options.replicationFactor,
    retentionMs,
    dlqTemplate: options.dlq ?? DEFAULT_DLQ_TEMPLATE,
    retryTemplate: options.retry ?? DEFAULT_RETRY_TEMPLATE,
    config: Object.freeze({ ...options.config }),
    codec: options.codec,
    dlqIncludesValue: options.dlqIncludesValue ?? true,
  })
}

function fieldKey(topic: string, field: string) {
  return (payload: never): string | undefined => {
    const value = (payload as Record<string, unknown> | null)?.[field]
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return String(value)
    throw new CatalogError(`topic ${topic}: key field "${field}" must be a string or number`)
  }
}

export interface TemplateValues {
  topic: string
  group?: string
  service?: string
  delay?: string
}

/** Renders a topic-name template; an unknown or missing placeholder is an error, not a silent gap. */
export function renderTopicName(template: string, values: TemplateValues): string {
  const name = template.replace(/\{(\w+)\}/g, (_, key: string) => {
    // Own properties only: "{constructor}" must be an unknown placeholder, not Object's constructor.
    const value = Object.hasOwn(values, key) ? values[key as keyof TemplateValues] : undefined
    if (value === undefined) throw new CatalogError(`topic name template "${template}" needs {${key}}`)
    return value
  })
  if (!TOPIC_NAME.test(name)) throw new CatalogError(`template "${template}" gives an invalid topic name "${name}"`)
  return name
}

export function dlqTopicOf(topic: TopicDefinition<never>, values: Omit<TemplateValues, 'topic'> = {}): string {
  return renderTopicName(topic.dlqTemplate, { ...values, topic: topic.name })
}
