// Broker address and fresh topics for a run (created with their leaders ready, deleted at the end).
import { randomUUID } from 'node:crypto'
import {
  Admin,
  Consumer,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  compatibilityPartitioner,
  stringSerializer,
} from '@platformatic/kafka'
import { COMMON } from './settings.ts'

export function brokers(): string[] {
  const value = process.env['KAFKA_BROKERS']
  if (!value) throw new Error('KAFKA_BROKERS is not set (bench/run.ts sets it from ensureKafka)')
  return value.split(',').map((s) => s.trim())
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/**
 * A raw @platformatic/kafka producer with the settings every client in the bench shares: acks=all,
 * idempotent, the common compression, the Java-compatible partitioner, string header keys.
 */
export function rawProducer(clientIdPrefix: string): Producer<Buffer, Buffer, string, Buffer> {
  return new Producer({
    clientId: uniqueName(clientIdPrefix),
    bootstrapBrokers: brokers(),
    idempotent: true,
    acks: ProduceAcks.ALL,
    compression: COMMON.compression,
    partitioner: compatibilityPartitioner,
    serializers: { headerKey: stringSerializer },
    // A malformed send fails instead of being retried forever (the idempotent default).
    retries: 5,
  })
}

function admin(): Admin {
  return new Admin({ clientId: uniqueName('bench-admin'), bootstrapBrokers: brokers() })
}

/** Creates a topic and waits until every partition has a leader. */
export async function createTopic(prefix: string, partitions: number): Promise<string> {
  const name = uniqueName(`bench-${prefix}`)
  const client = admin()
  try {
    await client.createTopics({ topics: [name], partitions, replicas: 1 })
    const until = Date.now() + 30_000
    for (;;) {
      const md = await client.metadata({ topics: [name], forceUpdate: true }).catch(() => undefined)
      const topic = md?.topics.get(name)
      if (topic?.partitionsCount === partitions && topic.partitions.every((p) => p.leader >= 0)) break
      if (Date.now() > until) throw new Error(`no leaders for ${name} after 30 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    await client.close()
  }
  return name
}

export async function deleteTopics(names: string[]): Promise<void> {
  if (names.length === 0) return
  const client = admin()
  try {
    await client.deleteTopics({ topics: names })
  } finally {
    await client.close()
  }
}

/**
 * A raw @platformatic/kafka consumer reading `topic` from its start in a new group, with the fetch
 * settings every consumer in the bench shares, and its stream; closing it is the caller's.
 */
export async function rawConsumerStream(prefix: string, topic: string) {
  const consumer = new Consumer({
    clientId: uniqueName(prefix),
    groupId: uniqueName(prefix),
    bootstrapBrokers: brokers(),
  })
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.EARLIEST,
    maxWaitTime: COMMON.fetchMaxWaitMs,
    maxBytesPerPartition: COMMON.fetchMaxBytesPerPartition,
    maxBytes: COMMON.fetchMaxBytes,
    highWaterMark: COMMON.maxPollRecords,
  })
  return { consumer, stream }
}
