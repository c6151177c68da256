// The producer: typed publish of catalog events (sync, batch, async), a raw-bytes path, and
// partitioning by the topic's partitioner.
export { Producer, type CheckedItems, type PublishItem } from './producer.ts'
export { PRODUCER_DEFAULTS, type Acks, type Compression, type ProducerOptions } from './options.ts'
export type {
  DeadLetteredResult,
  DeliveryCallback,
  DeliveryListener,
  DeliveryReport,
  ProducerEvents,
  PublishedResult,
  PublishOptions,
  PublishResult,
  RawRecord,
  RecordMetadata,
  SendRecordsOptions,
} from './types.ts'
export { partitionForKey } from './partitioner.ts'
export type { RecordHeaders } from './record.ts'
// The seam kafkit/testing's in-memory Kafka plugs into (ProducerOptions.transport).
export type { ProducerTransport, TransportFactory, TransportView, TransportWire } from './transport.ts'
