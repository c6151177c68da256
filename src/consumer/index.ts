// The consumer runtime: handlers, middleware, retries, retry topics and the DLQ, on a group member.
export {
  Consumer,
  type BatchHandlerFor,
  type ConsumerOptions,
  type EventOf,
  type HandlerFor,
  type Matching,
} from './consumer.ts'
export type { FieldPath, ProjectedEventOf } from './typing.ts'
export type {
  BatchContext,
  BatchHandler,
  BatchOptions,
  BatchRecord,
  ConsumedEvent,
  EventPublisher,
  Handler,
  HandlerContext,
  HandlerOptions,
  HandlerPublisher,
  HandlerPublishResult,
  Middleware,
  Ordering,
  OutgoingRecord,
  PublishInHandlerOptions,
  BatchPublishOptions,
  RecordSender,
  RetryPolicy,
  StagedPublish,
  UnroutedPolicy,
} from './types.ts'
export type {
  AssignmentChange,
  CommitOffset,
  FailureScope,
  FetchedRecord,
  GroupIdentity,
  GroupMember,
  Isolation,
  MemberEvents,
  MemberFactory,
  MemberOptions,
  RecordHeaderEntry,
  RebalanceProtocol,
  TopicPartition,
} from './member.ts'
export type { TransactionalOptions } from './options.ts'
export type {
  ProducerTransaction,
  TransactionalProducer,
  TransactionalProducerFactory,
  TransactionalRecord,
} from './transaction-producer.ts'
export { DEFAULT_RETRY, backoffBounds, backoffDelay, type Backoff } from './retry.ts'
export { RetryHeaders, tierGroupId, tierTopicName } from './tiers.ts'
export { compose } from './middleware.ts'
export { stopOnSignals, type SignalOptions, type Stoppable } from './shutdown.ts'
export type { RunnerHooks, RunnerStatus } from './runner.ts'
