// The producer: typed publish of catalog events (sync, batch, async), a raw-bytes path, the
// dead-letter record format shared with the consumer runtime, and partitioning by the topic's partitioner.
export { Producer, type CheckedItems, type PublishItem } from './producer.ts'
export { PRODUCER_DEFAULTS, type Acks, type Compression, type ProducerOptions } from './options.ts'
export type {
  DeadLetteredResult,
  DeliveryCallback,
  DeliveryReport,
  ProducerEvents,
  PublishedResult,
  PublishOptions,
  PublishResult,
  RawRecord,
  RecordMetadata,
  SendRecordsOptions,
} from './types.ts'
export {
  buildDeadLetterRecord,
  parseDeadLetterRecord,
  originalValueOf,
  DLQ_FORMAT_VERSION,
  DLQ_HEADER_PREFIX,
  DLQ_LIMITS,
  type DeadLetterInput,
  type DeadLetterMessage,
  type DeadLetterRecord,
} from './dead-letter.ts'
export { partitionForKey } from './partitioner.ts'
