// Administration: topic provisioning for a catalog (topics, DLQs, retry tiers).
export {
  topicSpecsFor,
  topicSpec,
  dlqTopicSpec,
  retryTopicSpecs,
  type TopicSpec,
  type TopicSpecsOptions,
} from './specs.ts'
export { ensureTopics, type EnsureTopicsOptions, type EnsureTopicsReport, type TopicMismatch } from './provision.ts'
