// Consumer groups as an on-call engineer reads them: state, members and what each one owns, and
// the lag of every partition the group has committed (the partition's end minus the commit).
import type { Admin } from '@platformatic/kafka'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { metadataOfExisting, offsetsAt } from './cluster.ts'

export interface MemberState {
  id: string
  clientId: string
  host: string
  /** Partitions assigned to the member, by topic. */
  assignments: { topic: string; partitions: number[] }[]
}

export interface PartitionLag {
  topic: string
  partition: number
  /** The group's committed offset (the next record it will read), or undefined when it never committed. */
  committed: bigint | undefined
  /** The partition's end (next offset to be written). */
  end: bigint
  /** end - committed; undefined without a commit. */
  lag: number | undefined
  /** The client id of the member that owns the partition now, if any. */
  owner: string | undefined
}

export interface GroupState {
  id: string
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string
  protocolType: string
  /** The assignor (range, roundrobin, cooperative-sticky...), empty when the group has no members. */
  protocol: string
  members: MemberState[]
  partitions: PartitionLag[]
  /** Topics the group has committed offsets for, or is assigned. */
  topics: string[]
  /** Sum of the partitions' lag. */
  lag: number
}

export interface ReadGroupsOptions {
  /** Only these groups (default: every consumer group). */
  groups?: readonly string[]
}

/** Every consumer group (or the ones named), with members, assignments and lag. */
export async function readGroups(admin: Admin, options: ReadGroupsOptions = {}): Promise<GroupState[]> {
  const ids = options.groups ?? [...(await admin.listGroups()).values()].filter(isConsumerGroup).map((g) => g.id)
  if (ids.length === 0) return []
  const [described, committed] = await Promise.all([
    admin.describeGroups({ groups: [...ids] }),
    admin.listConsumerGroupOffsets({ groups: [...ids] }),
  ])
  const commits = new Map(committed.map((g) => [g.groupId, g.topics]))
  const groups = ids.map((id) => {
    const group = described.get(id)
    const members = [...(group?.members.values() ?? [])].map((m): MemberState => ({
      id: m.id,
      clientId: m.clientId,
      host: m.clientHost,
      assignments: [...(m.assignments?.values() ?? [])].map((a) => ({ topic: a.topic, partitions: [...a.partitions] })),
    }))
    return { id, group, members, commits: commits.get(id) ?? [] }
  })
  // Every partition any group committed or owns: one ListOffsets for all of them.
  const topics = new Set<string>()
  for (const g of groups) {
    for (const t of g.commits) topics.add(t.name)
    for (const m of g.members) for (const a of m.assignments) topics.add(a.topic)
  }
  const metadata = topics.size > 0 ? (await metadataOfExisting(admin, [...topics])).topics : new Map()
  const present = [...topics].filter((t) => metadata.has(t))
  const ends = await offsetsAt(admin, metadata, present, -1n)
  return groups.map(({ id, group, members, commits: groupCommits }) => {
    const owners = new Map<string, string>()
    for (const m of members)
      for (const a of m.assignments) for (const p of a.partitions) owners.set(`${a.topic}/${p}`, m.clientId)
    const rows = new Map<string, PartitionLag>()
    const add = (topic: string, partition: number, offset: bigint | undefined) => {
      const key = `${topic}/${partition}`
      const end = ends.get(key)
      if (end === undefined) return
      const committedOffset = offset !== undefined && offset >= 0n ? offset : undefined
      rows.set(key, {
        topic,
        partition,
        committed: committedOffset,
        end,
        lag: committedOffset === undefined ? undefined : Math.max(0, Number(end - committedOffset)),
        owner: owners.get(key),
      })
    }
    for (const t of groupCommits) for (const p of t.partitions) add(t.name, p.partitionIndex, p.committedOffset)
    for (const [key] of owners) {
      if (rows.has(key)) continue
      const at = key.lastIndexOf('/')
      add(key.slice(0, at), Number(key.slice(at + 1)), undefined)
    }
    const partitions = [...rows.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    return {
      id,
      state: group?.state ?? 'Dead',
      protocolType: group?.protocolType ?? 'consumer',
      protocol: group?.protocol ?? '',
      members,
      partitions,
      topics: [...new Set(partitions.map((p) => p.topic))],
      lag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
    }
  })
}

/** One group; fails with KAFKIT_GROUP_NOT_FOUND when the cluster knows nothing of it. */
export async function requireGroup(admin: Admin, id: string): Promise<GroupState> {
  const [group] = await readGroups(admin, { groups: [id] })
  if (!group || !groupExists(group)) {
    throw new KafkitError(ErrorCodes.GROUP_NOT_FOUND, `consumer group ${id} does not exist (no members, no offsets)`, {
      details: { group: id },
    })
  }
  return group
}

/** A group the coordinator knows: it has members or committed offsets. */
export function groupExists(group: GroupState): boolean {
  return group.state !== 'Dead' && (group.members.length > 0 || group.partitions.some((p) => p.committed !== undefined))
}

/** Whether a group consumes a topic: it committed an offset on one of its partitions, or a member owns one. */
export function hasConsumed(group: GroupState, topic: string): boolean {
  return group.partitions.some((p) => p.topic === topic && (p.committed !== undefined || p.owner !== undefined))
}

function isConsumerGroup(group: { protocolType: string }): boolean {
  return group.protocolType === 'consumer' || group.protocolType === ''
}
