// Running the kafkit command in-process with captured output, and a DLQ with real failures in it.
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { z } from 'zod'
import {
  createKafkit,
  defineEvent,
  defineTopic,
  NonRetryableError,
  partitionForKey,
  silentLogger,
  type PartitionerOption,
} from 'kafkit'
import { readDeadLetters } from 'kafkit/dlq'
import { runCli } from '../../src/cli/program.ts'
import { brokers, defer, deleteAfter, readTopic, uniqueName, waitFor } from '../support/kafka.ts'

export interface Run {
  code: number
  out: string[]
  err: string[]
  /** Both streams, for "no secret printed" checks. */
  all: string
}

export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv = { KAFKA_BROKERS: brokers().join(',') },
  cwd?: string,
): Promise<Run> {
  const out: string[] = []
  const err: string[] = []
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env }
  const code = await runCli(argv, cwd === undefined ? io : { ...io, cwd })
  return { code, out, err, all: [...out, ...err].join('\n') }
}

export interface FailedTopic {
  topic: string
  dlq: string
  group: string
  /** Event ids of the records the group failed, in publishing order. */
  failed: string[]
}

/** A topic of `partitions` partitions whose consumer group dead-letters every record it gets. */
export async function topicWithFailures(
  t: TestContext,
  count: number,
  partitions = 3,
  partitioner?: PartitionerOption,
): Promise<FailedTopic> {
  const name = uniqueName('cli')
  const topic = defineTopic({ name, key: 'id', partitions, ...(partitioner && { partitioner }) })
  const Failed = defineEvent({ type: 'job.failed', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [name, `${name}.dlq`])
  const client = { brokers: brokers() }
  const kafkit = createKafkit({ service: 'cli-test', catalog: [Failed], client, logger: silentLogger() })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const group = uniqueName('cli-group')
  const consumer = kafkit.consumer({ group, commitInterval: 100 })
  consumer.on(Failed, () => {
    throw new NonRetryableError('no such job')
  })
  await consumer.start()
  const failed: string[] = []
  for (let i = 0; i < count; i++) failed.push((await kafkit.publish(Failed, { id: `j${i}` })).eventId)
  const dlq = `${name}.dlq`
  await waitFor(async () => (await readDeadLetters(client, dlq)).length === count, `${count} failures`)
  await consumer.stop()
  return { topic: name, dlq, group, failed }
}

/**
 * Each key twice on the topic (the publish and the replay), on one partition, and murmur2 would
 * have placed some of them elsewhere: the replay followed the topic's partitioner.
 */
export async function assertReplayKeptPartitions(t: TestContext, topic: string, keys: number, partitions: number) {
  const seen = new Map<string, Set<number>>()
  for (const r of await readTopic(t, topic, keys * 2)) {
    const key = String(r.key)
    seen.set(key, (seen.get(key) ?? new Set()).add(r.partition))
  }
  assert.equal(seen.size, keys)
  for (const [key, where] of seen) assert.equal(where.size, 1, `key ${key} on partitions ${[...where].join(', ')}`)
  const moved = [...seen].filter(([key, [p]]) => partitionForKey(key, partitions, 'murmur2') !== p)
  assert.ok(moved.length > 0, 'murmur2 places some of these keys elsewhere: a replay without the catalog moves them')
}
