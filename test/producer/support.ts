// Helpers for producer tests: a small inline catalog, a kafkit producer that closes after the test,
// and a raw @platformatic/kafka consumer (no kafkit code) to read back what was written.
import type { TestContext } from 'node:test'
import { Admin, Consumer, MessagesStreamFallbackModes, MessagesStreamModes, type Message } from '@platformatic/kafka'
import { z } from 'zod'
import { defineEvent, defineTopic, type AnyTopic, type InputOf } from '../../src/catalog/index.ts'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { silentLogger, type Logger } from '../../src/logging/index.ts'
import { Producer, type ProducerOptions } from '../../src/producer/index.ts'
import { brokers, track, uniqueName, waitFor } from '../support/kafka.ts'
import { endReadOnClientError } from '../../src/cluster/group-stream.ts'

/** Events on a topic keyed by user_id; the topic name is the test's own. */
export function userEvents(
  topicName: string,
  partitions = 3,
  extra: { dlqIncludesValue?: boolean; config?: Record<string, string> } = {},
) {
  const users = defineTopic({ name: topicName, key: 'user_id', partitions, ...extra })
  const UserRegistered = defineEvent({
    type: 'user.registered',
    version: '1.0',
    topic: users,
    schema: z.object({
      user_id: z.string().min(1),
      email: z.email(),
      plan: z.enum(['free', 'pro']).default('free'),
      note: z.string().optional(),
    }),
  })
  return { users, UserRegistered }
}

export type UserRegisteredInput = InputOf<ReturnType<typeof userEvents>['UserRegistered']>

export interface TestProducerOptions extends Partial<Omit<ProducerOptions, 'client'>> {
  brokers?: string[]
}

export function testProducer(t: TestContext, options: TestProducerOptions = {}): Producer {
  const { brokers: list, ...rest } = options
  const producer = new Producer({
    client: { brokers: list ?? brokers(), clientId: uniqueName('kafkit-producer') },
    service: 'test-service',
    logger: silentLogger(),
    ...rest,
  })
  t.after(() => producer.close())
  return producer
}

export interface ReadRecord {
  topic: string
  partition: number
  offset: bigint
  key: string | undefined
  /** Empty for a tombstone (see `tombstone`). */
  value: Buffer
  tombstone: boolean
  headers: Map<string, string>
  timestamp: bigint
}

/** Reads `count` records from the start of `topic` with a raw wire-client consumer. */
export async function readRecords(
  t: TestContext,
  topic: string,
  count: number,
  options: { brokers?: string[]; timeoutMs?: number } = {},
): Promise<ReadRecord[]> {
  const consumer = track(
    t,
    new Consumer({
      clientId: uniqueName('raw-reader'),
      groupId: uniqueName('raw-reader-group'),
      bootstrapBrokers: options.brokers ?? brokers(),
    }),
  )
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    maxWaitTime: 200,
  })
  endReadOnClientError(consumer, stream)
  const records: ReadRecord[] = []
  const timer = setTimeout(() => void stream.close(), options.timeoutMs ?? 30_000)
  try {
    for await (const message of stream as AsyncIterable<Message>) {
      records.push(toRecord(message))
      if (records.length >= count) break
    }
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => undefined)
  }
  return records
}

function toRecord(message: Message): ReadRecord {
  const headers = new Map<string, string>()
  for (const [k, v] of message.headers) headers.set(k.toString(), v.toString())
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key && message.key.length > 0 ? message.key.toString() : undefined,
    value: message.value ?? Buffer.alloc(0),
    tombstone: message.value === null || message.value === undefined,
    headers,
    timestamp: message.timestamp,
  }
}

/** The number of records on a topic (sum of end offsets), read with the wire client's Admin. */
export async function recordCount(t: TestContext, topic: string, list = brokers()): Promise<number> {
  const admin = track(t, new Admin({ clientId: uniqueName('counter'), bootstrapBrokers: list }))
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
  const partitions = metadata.topics.get(topic)!.partitionsCount
  const offsets = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1n })),
      },
    ],
  })
  let total = 0n
  for (const t of offsets) for (const p of t.partitions) total += p.offset
  return Number(total)
}

/** Creates the topics (and DLQs) of these definitions with kafkit's ensureTopics; deletes them after the test. */
export async function provision(t: TestContext, topics: AnyTopic[], list = brokers()): Promise<string[]> {
  const specs = topicSpecsFor(topics)
  const names = specs.map((s) => s.name)
  t.after(async () => {
    const admin = new Admin({ clientId: uniqueName('cleanup'), bootstrapBrokers: list })
    await admin.deleteTopics({ topics: names }).catch(() => undefined)
    await admin.close().catch(() => undefined)
  })
  await ensureTopics({ brokers: list }, specs, { logger: silentLogger() })
  return names
}

/** A logger that keeps what it is given, to check what was logged. */
export function recordingLogger(): Logger & { lines: { level: string; obj: Record<string, unknown>; msg?: string }[] } {
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = []
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, ...(msg === undefined ? {} : { msg }) })
    }
  const logger = {
    level: 'trace',
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  }
  return logger
}

export { waitFor }
