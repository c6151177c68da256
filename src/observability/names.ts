// The names kafkit's telemetry uses. The OpenTelemetry messaging semantic conventions are hard-coded
// here (a handful of strings) so that the library's only telemetry dependency stays @opentelemetry/api.
// docs/observability.md explains each one.

/** OpenTelemetry messaging semantic-convention attributes, and kafkit's own. */
export const Attr = {
  messagingSystem: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  key: 'messaging.kafka.message.key',
  offset: 'messaging.kafka.offset',
  tombstone: 'messaging.kafka.message.tombstone',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  bodySize: 'messaging.message.body.size',
  errorType: 'error.type',
  eventType: 'kafkit.event.type',
  eventVersion: 'kafkit.event.version',
  correlationId: 'kafkit.correlation_id',
  causationId: 'kafkit.causation_id',
  attempt: 'kafkit.attempt',
  outcome: 'kafkit.outcome',
  retryTier: 'kafkit.retry.tier',
  retryDelay: 'kafkit.retry.delay_ms',
  dlqTopic: 'kafkit.dlq.topic',
  upcastFrom: 'kafkit.upcast.from',
  upcastTo: 'kafkit.upcast.to',
  handler: 'kafkit.handler',
  service: 'kafkit.service',
  /** The envelope's `source`: the service that produced the event. */
  eventSource: 'kafkit.event.source',
  /** What tolerant decoding accepted in an envelope (`causation_id.empty`, `timestamp.offset`, ...). */
  tolerated: 'kafkit.envelope.tolerated',
  outbox: 'kafkit.outbox',
  relay: 'kafkit.outbox.relay',
} as const

/** Span events: things that happen to a record while its span is open. */
export const SpanEvents = {
  retry: 'kafkit.retry',
  retryTopic: 'kafkit.retry_topic',
  deadLetter: 'kafkit.dead_letter',
  upcast: 'kafkit.upcast',
  escalationFailed: 'kafkit.escalation_failed',
  abandoned: 'kafkit.abandoned',
} as const

/** How a consumed record's processing ended (the `kafkit.outcome` attribute). */
export type RecordOutcome = 'handled' | 'skipped' | 'retry_topic' | 'dead_lettered' | 'abandoned'

/** Metric instrument names. Durations are in seconds, as the OpenTelemetry conventions ask. */
export const Metrics = {
  published: 'kafkit.producer.published',
  publishFailed: 'kafkit.producer.failed',
  publishDeadLettered: 'kafkit.producer.dead_lettered',
  publishDuration: 'kafkit.producer.duration',
  producerOutstanding: 'kafkit.producer.outstanding',
  publishDeprecated: 'kafkit.producer.deprecated',
  consumed: 'kafkit.consumer.consumed',
  consumeFailed: 'kafkit.consumer.failed',
  handlerDuration: 'kafkit.consumer.handler.duration',
  processDuration: 'kafkit.consumer.process.duration',
  retries: 'kafkit.consumer.retries',
  deadLettered: 'kafkit.consumer.dead_lettered',
  retryTopic: 'kafkit.consumer.retry_topic',
  inFlight: 'kafkit.consumer.in_flight',
  lag: 'kafkit.consumer.lag',
  rebalances: 'kafkit.consumer.rebalances',
  assigned: 'kafkit.consumer.assigned_partitions',
  commitDuration: 'kafkit.consumer.commit.duration',
  envelopeTolerated: 'kafkit.consumer.envelope.tolerated',
  outboxRelayed: 'kafkit.outbox.relayed',
  outboxRecovered: 'kafkit.outbox.recovered',
  outboxFailed: 'kafkit.outbox.failed',
  outboxLatency: 'kafkit.outbox.latency',
  outboxPending: 'kafkit.outbox.pending',
  outboxLag: 'kafkit.outbox.lag',
  outboxLanes: 'kafkit.outbox.lanes',
  inboxDuplicates: 'kafkit.inbox.duplicates',
} as const

export const INSTRUMENTATION_NAME = 'kafkit'
