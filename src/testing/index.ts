// kafkit/testing: an in-memory Kafka that runs kafkit's real producer and consumer runtime, a
// virtual clock, fault controls, and a kit for users' tests (docs/testing.md). No network, no JVM.
export {
  createTestKafkit,
  TestKafkit,
  type HandledEvent,
  type HandlerCall,
  type HandlerContextOptions,
  type PublishedEvent,
  type TestKafkitOptions,
  type WaitOptions,
} from './kit.ts'
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  InMemoryKafka,
  type InMemoryKafkaOptions,
  type ProducedRecord,
  type StoredRecord,
  type TopicOptions,
} from './broker.ts'
export { Group, type GroupBroker, type GroupMemberHandle } from './group.ts'
export { InMemoryMember, type MemberBroker } from './member.ts'
export { VirtualClock, settle } from './clock.ts'
export type { BrokerErrorName } from './errors.ts'
export { matchesPartial, type DeepPartial } from './match.ts'
