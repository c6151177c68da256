// Administration: topic provisioning for a catalog (topics, DLQs, retry tiers), and reading and
// changing what the cluster holds (topics, groups and their lag, offset resets, replay targets).
export {
  topicSpecsFor,
  topicSpec,
  dlqTopicSpec,
  retryTopicSpecs,
  type TopicSpec,
  type TopicSpecsOptions,
} from './specs.ts'
export { ensureTopics, type EnsureTopicsOptions, type EnsureTopicsReport, type TopicMismatch } from './provision.ts'
export {
  readCluster,
  requireTopic,
  type BrokerState,
  type ClusterState,
  type PartitionState,
  type ReadClusterOptions,
  type TopicState,
} from './cluster.ts'
export {
  readGroups,
  requireGroup,
  groupExists,
  hasConsumed,
  type GroupState,
  type MemberState,
  type PartitionLag as GroupPartitionLag,
  type ReadGroupsOptions,
} from './groups.ts'
export {
  planOffsetReset,
  applyOffsetReset,
  type PlanResetOptions,
  type ResetPlan,
  type ResetRow,
  type ResetTarget,
} from './reset-offsets.ts'
export { checkReplayTargets, assertReplayTargets, type ReplayTarget, type ReplayTargetCheck } from './replay-target.ts'
