export {
  defineTopic,
  renderTopicName,
  dlqTopicOf,
  DEFAULT_DLQ_TEMPLATE,
  DEFAULT_PARTITIONS,
  DEFAULT_RETENTION_MS,
  DEFAULT_RETRY_TEMPLATE,
  type KeyField,
  type TopicDefinition,
  type TopicOptionsBase,
  type TemplateValues,
} from './topic.ts'
export {
  defineEvent,
  compareVersions,
  parseVersion,
  type AnyEvent,
  type AnyTopic,
  type DefineEventOptions,
  type Deprecation,
  type EventDefinition,
  type EventSchemas,
  type JsonSchema,
  type InputOf,
  type PayloadOf,
  type TypeOf,
  type Upcaster,
} from './event.ts'
export {
  crc32Partition,
  fnv1aPartition,
  murmur2Partition,
  DEFAULT_PARTITIONER,
  PARTITIONER_NAMES,
  type PartitionFunction,
  type PartitionerName,
  type PartitionerOption,
  type TopicPartitioner,
} from './partitioners.ts'
export { Catalog, createCatalog, resolveVersion, type Resolution } from './catalog.ts'
export { payloadFor, UpcastError, type Decoded } from './upcast.ts'
export { validateSchema, type AnySchema, type SchemaInput, type SchemaOutput, type Validated } from './schema.ts'
export { assertPattern, isPattern, matchesPattern } from './pattern.ts'
