// What topics a catalog needs: each topic, its DLQ and (per consumer group) its retry topics, with
// partitions, replication and configs (retention becomes `retention.ms`).
import { Catalog } from '../catalog/catalog.ts'
import type { AnyTopic } from '../catalog/event.ts'
import { dlqTopicOf, renderTopicName } from '../catalog/topic.ts'
import { CatalogError } from '../errors.ts'
import { formatDuration, parseDuration, type Duration } from '../util/duration.ts'

export interface TopicSpec {
  name: string
  partitions: number
  /** Undefined: the broker's `default.replication.factor`. */
  replicationFactor?: number | undefined
  /** Topic configs (`retention.ms`, `cleanup.policy`, `min.insync.replicas`, ...). */
  configs: Record<string, string>
}

export interface TopicSpecsOptions {
  /** Also the DLQ topic of each topic. Default true. */
  dlq?: boolean
  /** Values for DLQ name templates that use `{service}` or `{group}`. */
  service?: string
  group?: string
}

/** The topics of a catalog (or a list of topic definitions), and their DLQs. */
export function topicSpecsFor(source: Catalog | readonly AnyTopic[], options: TopicSpecsOptions = {}): TopicSpec[] {
  const topics = source instanceof Catalog ? source.topics() : source
  const specs = new Map<string, TopicSpec>()
  for (const topic of topics) {
    const main = topicSpec(topic)
    specs.set(main.name, main)
    if (options.dlq ?? true) {
      const dlq = dlqTopicSpec(topic, options)
      if (!specs.has(dlq.name)) specs.set(dlq.name, dlq)
    }
  }
  return [...specs.values()]
}

export function topicSpec(topic: AnyTopic): TopicSpec {
  return {
    name: topic.name,
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    configs: { 'retention.ms': String(topic.retentionMs), ...topic.config },
  }
}

/** A topic's DLQ: same partitions and replication (a failure record keeps the original key). */
export function dlqTopicSpec(topic: AnyTopic, values: { service?: string; group?: string } = {}): TopicSpec {
  return { ...sideTopic(topic), name: dlqTopicOf(topic, definedValues(values)) }
}

/**
 * The retry-tier topics of one consumer group (`{topic}.retry.{group}.{delay}` by default), which
 * the consumer runtime provisions when its group uses delay tiers.
 */
export function retryTopicSpecs(topic: AnyTopic, group: string, delays: readonly Duration[]): TopicSpec[] {
  return delays.map((delay) => {
    const ms = parseDuration(delay)
    if (ms === undefined) throw new CatalogError(`retry delay "${String(delay)}" is not a duration (e.g. "30s")`)
    const name = renderTopicName(topic.retryTemplate, { topic: topic.name, group, delay: formatDuration(ms) })
    return { ...sideTopic(topic), name }
  })
}

/**
 * DLQ and retry topics: the topic's layout and configs, but always `delete` (compaction would keep
 * one failure per key) and the broker's record size limit: their records wrap or extend the
 * original, so a topic's tighter `max.message.bytes` could refuse them.
 */
function sideTopic(topic: AnyTopic): Omit<TopicSpec, 'name'> {
  const { 'max.message.bytes': _limit, ...configs } = topic.config
  return {
    partitions: topic.partitions,
    replicationFactor: topic.replicationFactor,
    configs: { ...configs, 'retention.ms': String(topic.retentionMs), 'cleanup.policy': 'delete' },
  }
}

function definedValues(values: { service?: string; group?: string }): { service?: string; group?: string } {
  const out: { service?: string; group?: string } = {}
  if (values.service !== undefined) out.service = values.service
  if (values.group !== undefined) out.group = values.group
  return out
}
