export { Consumer, type ConsumerOptions, type HandlerFor } from './consumer.ts'
export type {
  ConsumedEvent,
  EventPublisher,
  Handler,
  HandlerContext,
  HandlerOptions,
  Middleware,
  Ordering,
  OutgoingRecord,
  PublishInHandlerOptions,
  RecordSender,
  RetryPolicy,
  UnroutedPolicy,
} from './types.ts'
export { HandlerTimeoutError, ShutdownError } from './job.ts'
export { DEFAULT_RETRY, backoffBounds, backoffDelay } from './retry.ts'
export { RetryHeaders, tierGroupId, tierTopicName } from './tiers.ts'
export { compose } from './middleware.ts'
export { stopOnSignals, type SignalOptions, type Stoppable } from './shutdown.ts'
export type { RunnerStatus, TopicPartition } from './runner.ts'
