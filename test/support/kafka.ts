// Test harness: the broker address, unique names, topics and clients that clean up after the test.
import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { Admin, Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka'
import { endReadOnClientError } from '../../src/cluster/group-stream.ts'

export function brokers(): string[] {
  const value = process.env['KAFKA_BROKERS']
  if (!value) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`, which starts Kafka')
  return value.split(',').map((s) => s.trim())
}

/** A name no other test (or earlier run) uses: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

interface Closable {
  close(): Promise<void>
}

const stacks = new WeakMap<TestContext, (() => unknown)[]>()

/**
 * Runs `cleanup` when the test ends, last registered first (like `defer`): consumers stop before the
 * producer they write with closes and before their topics are deleted. (node:test runs its own
 * `after` hooks first registered first, which gets that order backwards.)
 */
export function defer(t: TestContext, cleanup: () => unknown): void {
  let stack = stacks.get(t)
  if (!stack) {
    const created: (() => unknown)[] = []
    stack = created
    stacks.set(t, created)
    t.after(async () => {
      for (const step of created.reverse()) {
        try {
          await step()
        } catch {
          // Cleanup is best effort: one failure must not skip the rest.
        }
      }
    })
  }
  stack.push(cleanup)
}

/** Closes the client when the test ends, whatever its outcome (producers and consumers forcibly). */
export function track<T extends Closable>(t: TestContext, client: T): T {
  defer(t, () => (client instanceof Producer || client instanceof Consumer ? client.close(true) : client.close()))
  return client
}

export function testAdmin(t: TestContext): Admin {
  return track(t, new Admin({ clientId: uniqueName('test-admin'), bootstrapBrokers: brokers() }))
}

export interface TopicOptions {
  partitions?: number
  replicas?: number
  configs?: Record<string, string>
}

/** Creates a uniquely named topic, waits for its leaders and deletes it after the test. */
export async function createTopic(t: TestContext, prefix: string, options: TopicOptions = {}): Promise<string> {
  const admin = testAdmin(t)
  const name = uniqueName(prefix)
  const partitions = options.partitions ?? 1
  await admin.createTopics({
    topics: [name],
    partitions,
    replicas: options.replicas ?? 1,
    configs: Object.entries(options.configs ?? {}).map(([key, value]) => ({ name: key, value })),
  })
  await waitFor(async () => {
    const md = await admin.metadata({ topics: [name], forceUpdate: true })
    const topic = md.topics.get(name)
    return topic !== undefined && topic.partitionsCount === partitions && topic.partitions.every((p) => p.leader >= 0)
  }, `leaders for ${name}`)
  deleteAfter(t, () => [name])
  return name
}

/** Polls a condition until it holds or the deadline passes; never a fixed sleep. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<void> {
  const until = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < until) {
    try {
      if (await condition()) return
    } catch (err) {
      lastError = err
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`)
}

/** Deletes the named topics when the test ends (for topics made by kafkit's own provisioning). */
export function deleteAfter(t: TestContext, names: () => string[]): void {
  defer(t, async () => {
    const admin = new Admin({ clientId: uniqueName('test-cleanup'), bootstrapBrokers: brokers() })
    await admin.deleteTopics({ topics: names() }).catch(() => undefined)
    await admin.close().catch(() => undefined)
  })
}

/** Reads `count` records of a topic from the start, with the wire client alone (no kafkit code). */
export async function readTopic(t: TestContext, topic: string, count: number, timeoutMs = 30_000) {
  const consumer = track(
    t,
    new Consumer({ clientId: uniqueName('reader'), groupId: uniqueName('reader'), bootstrapBrokers: brokers() }),
  )
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.EARLIEST,
    maxWaitTime: 200,
  })
  endReadOnClientError(consumer, stream)
  const records: {
    key: Buffer | undefined
    value: Buffer
    headers: Map<string, string>
    partition: number
    offset: bigint
  }[] = []
  const timer = setTimeout(() => void stream.close(), timeoutMs)
  try {
    for await (const message of stream) {
      const headers = new Map<string, string>()
      for (const [k, v] of message.headers) headers.set(k.toString(), v.toString())
      records.push({
        key: message.key ?? undefined,
        value: message.value,
        headers,
        partition: message.partition,
        offset: message.offset,
      })
      if (records.length >= count) break
    }
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => undefined)
  }
  if (records.length < count)
    throw new Error(`read ${records.length} of ${count} records from ${topic} within ${timeoutMs} ms`)
  return records
}
