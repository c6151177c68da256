// What the cluster holds now: brokers, topics, partitions with their offsets and sizes. Read with
// one admin client in a few batched requests (metadata, ListOffsets earliest + latest, log dirs), so
// that a cluster of a thousand topics is read in one round, not a thousand.
import type { Admin, ClusterMetadata } from '@platformatic/kafka'
import { ErrorCodes, errorMessage, KafkitError } from '../errors.ts'

export interface BrokerState {
  id: number
  host: string
  port: number
  rack: string | null
  controller: boolean
}

export interface PartitionState {
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
  /** The first offset still held, and the next offset to be written. */
  earliest: bigint
  latest: bigint
  /** Bytes on the leader's disk, when log dirs were read. */
  bytes: number | undefined
}

export interface TopicState {
  name: string
  internal: boolean
  partitions: PartitionState[]
  replicationFactor: number
  /** Records held now (latest - earliest, summed). */
  records: bigint
  /** Sum of the partitions' latest offsets: grows by one per record written, whatever retention deletes. */
  written: bigint
  bytes: number | undefined
}

export interface ClusterState {
  clusterId: string
  brokers: BrokerState[]
  topics: TopicState[]
  readAt: Date
}

export interface ReadClusterOptions {
  /** Only these topics (default: every topic). Unknown names are left out: `requireTopic` fails on one. */
  topics?: readonly string[]
  /** Include `__consumer_offsets` and other internal topics. Default false. */
  internal?: boolean
  /** Read partition sizes from the brokers' log dirs. Default true. */
  sizes?: boolean
}

const EARLIEST = -2n
const LATEST = -1n

export async function readCluster(admin: Admin, options: ReadClusterOptions = {}): Promise<ClusterState> {
  const names = options.topics ?? (await admin.listTopics({ includeInternals: options.internal ?? false }))
  const metadata = await metadataOfExisting(admin, names)
  const known = names.filter((n) => metadata.topics.has(n))
  const [earliest, latest, sizes] = await Promise.all([
    offsetsAt(admin, metadata.topics, known, EARLIEST),
    offsetsAt(admin, metadata.topics, known, LATEST),
    options.sizes === false ? undefined : partitionSizes(admin, metadata.topics, known),
  ])
  // A topic deleted during the read has no offsets: it is left out, as if listed a moment later.
  const topics = known
    .filter((name) => latest.has(`${name}/0`) && earliest.has(`${name}/0`))
    .map((name): TopicState => {
      const topic = metadata.topics.get(name)!
      const partitions = topic.partitions.map((p, index): PartitionState => {
        const key = `${name}/${index}`
        return {
          partition: index,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          earliest: earliest.get(key) ?? 0n,
          latest: latest.get(key) ?? 0n,
          bytes: sizes?.get(key),
        }
      })
      const sum = (f: (p: PartitionState) => bigint) => partitions.reduce((s, p) => s + f(p), 0n)
      return {
        name,
        internal: name.startsWith('__'),
        partitions,
        replicationFactor: partitions[0]?.replicas.length ?? 0,
        records: sum((p) => p.latest - p.earliest),
        written: sum((p) => p.latest),
        bytes: sizes ? partitions.reduce((s, p) => s + (p.bytes ?? 0), 0) : undefined,
      }
    })
  topics.sort((a, b) => a.name.localeCompare(b.name))
  return {
    clusterId: metadata.id,
    brokers: [...metadata.brokers].map(([id, b]) => ({
      id,
      host: b.host,
      port: b.port,
      rack: b.rack ?? null,
      controller: id === metadata.controllerId,
    })),
    topics,
    readAt: new Date(),
  }
}

/**
 * Metadata of the named topics that exist. Topics come and go while a tool reads (a group's
 * offsets outlive its topic; a test deletes its topics): a name that is gone is left out, not fatal.
 */
export function metadataOfExisting(admin: Admin, names: readonly string[]): Promise<ClusterMetadata> {
  return withoutDeleted(admin, names, (existing) => admin.metadata({ topics: [...existing], forceUpdate: true }))
}

/**
 * `read(names)`, asked again without the topics deleted meanwhile when it fails on an unknown
 * topic. The wire client's message may name the wrong topic of a batch, so the cluster is asked
 * which are left; the read fails when none has gone.
 */
async function withoutDeleted<T>(
  admin: Admin,
  names: readonly string[],
  read: (names: readonly string[]) => Promise<T>,
): Promise<T> {
  let asked = names
  for (;;) {
    try {
      return await read(asked)
    } catch (error) {
      if (!/^Unknown topic/.test(errorMessage(error))) throw error
      const existing = new Set(await admin.listTopics({ includeInternals: true }))
      const left = asked.filter((name) => existing.has(name))
      if (left.length === asked.length) throw error
      asked = left
    }
  }
}

/** The topic's state; fails with a message that names the topic when it does not exist. */
export async function requireTopic(admin: Admin, name: string, options: { sizes?: boolean } = {}): Promise<TopicState> {
  const all = await admin.listTopics({ includeInternals: true })
  const state = all.includes(name)
    ? await readCluster(admin, { topics: [name], sizes: options.sizes ?? false, internal: true })
    : undefined
  // Absent from the read too when it was deleted after the listing.
  const topic = state?.topics[0]
  if (topic) return topic
  const near = all.filter((t) => t !== name && (t.includes(name) || name.includes(t))).slice(0, 5)
  throw new KafkitError(
    ErrorCodes.TOPIC_NOT_FOUND,
    `topic ${name} does not exist${near.length > 0 ? ` (similar: ${near.join(', ')})` : ''}`,
    { details: { topic: name } },
  )
}

/**
 * Offsets of every partition at a time (ms since the epoch) or EARLIEST/LATEST, keyed `topic/partition`.
 * A topic deleted since its metadata was read has no entries: the read is asked again without it.
 */
export async function offsetsAt(
  admin: Admin,
  metadata: ReadonlyMap<string, { partitionsCount: number }>,
  topics: readonly string[],
  timestamp: bigint,
): Promise<Map<string, bigint>> {
  return withoutDeleted(admin, topics, (existing) => listOffsets(admin, metadata, existing, timestamp))
}

async function listOffsets(
  admin: Admin,
  metadata: ReadonlyMap<string, { partitionsCount: number }>,
  topics: readonly string[],
  timestamp: bigint,
): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>()
  if (topics.length === 0) return out
  const listed = await admin.listOffsets({
    topics: topics.map((name) => ({
      name,
      partitions: Array.from({ length: metadata.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
        partitionIndex,
        timestamp,
      })),
    })),
  })
  for (const topic of listed) for (const p of topic.partitions) out.set(`${topic.name}/${p.partitionIndex}`, p.offset)
  return out
}

async function partitionSizes(
  admin: Admin,
  metadata: ReadonlyMap<string, { partitionsCount: number }>,
  topics: readonly string[],
): Promise<Map<string, number> | undefined> {
  if (topics.length === 0) return new Map()
  try {
    const dirs = await admin.describeLogDirs({
      topics: topics.map((name) => ({
        name,
        partitions: Array.from({ length: metadata.get(name)?.partitionsCount ?? 0 }, (_, i) => i),
      })),
    })
    const out = new Map<string, number>()
    for (const broker of dirs)
      for (const dir of broker.results)
        for (const topic of dir.topics)
          for (const p of topic.partitions) {
            const key = `${topic.name}/${p.partitionIndex}`
            // Replicas hold the same data: keep the largest copy.
            out.set(key, Math.max(out.get(key) ?? 0, Number(p.partitionSize)))
          }
    return out
  } catch {
    // DescribeLogDirs needs the Describe ACL on the cluster: without it, sizes are simply unknown.
    return undefined
  }
}
