// Moving a consumer group's committed offsets on a topic: to the earliest or latest record, to the
// first record at or after a time, or to an offset. A plan first (what would change, partition by
// partition), then the change, which Kafka (and kafkit) allow only while the group has no members:
// a running member would overwrite the new offsets with its next commit.
import type { Admin } from '@platformatic/kafka'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { offsetsAt, requireTopic } from './cluster.ts'
import { readGroups, type GroupState } from './groups.ts'

export type ResetTarget =
  { to: 'earliest' } | { to: 'latest' } | { to: 'time'; time: Date } | { to: 'offset'; offset: bigint }

export interface ResetRow {
  topic: string
  partition: number
  /** The committed offset now (undefined: none). */
  from: bigint | undefined
  to: bigint
  /** The target was outside [earliest, end] and was moved to the nearest end. */
  clamped: boolean
}

export interface ResetPlan {
  group: string
  topic: string
  target: ResetTarget
  /** The group's state when planned; a reset is applied only to a group without members. */
  state: string
  members: number
  rows: ResetRow[]
}

export interface PlanResetOptions {
  group: string
  topic: string
  /** Only these partitions (default: all). */
  partitions?: readonly number[]
  target: ResetTarget
}

export async function planOffsetReset(admin: Admin, options: PlanResetOptions): Promise<ResetPlan> {
  const topic = await requireTopic(admin, options.topic)
  for (const p of options.partitions ?? []) {
    if (p >= topic.partitions.length) {
      throw new KafkitError(
        ErrorCodes.CONFIG_INVALID,
        `partition ${p} does not exist: ${topic.name} has partitions 0 to ${topic.partitions.length - 1}`,
      )
    }
  }
  const [group] = await readGroups(admin, { groups: [options.group] })
  const chosen = topic.partitions.filter((p) => !options.partitions || options.partitions.includes(p.partition))
  const atTime =
    options.target.to === 'time'
      ? await offsetsAt(
          admin,
          new Map([[topic.name, { partitionsCount: topic.partitions.length }]]),
          [topic.name],
          BigInt(options.target.time.getTime()),
        )
      : undefined
  const rows = chosen.map((p): ResetRow => {
    const from = group?.partitions.find((x) => x.topic === topic.name && x.partition === p.partition)?.committed
    let wanted: bigint
    switch (options.target.to) {
      case 'earliest':
        wanted = p.earliest
        break
      case 'latest':
        wanted = p.latest
        break
      case 'offset':
        wanted = options.target.offset
        break
      case 'time': {
        // -1: no record at or after that time, so the group starts at the end.
        const found = atTime?.get(`${topic.name}/${p.partition}`) ?? -1n
        wanted = found < 0n ? p.latest : found
        break
      }
    }
    const to = wanted < p.earliest ? p.earliest : wanted > p.latest ? p.latest : wanted
    return { topic: topic.name, partition: p.partition, from, to, clamped: to !== wanted }
  })
  return {
    group: options.group,
    topic: topic.name,
    target: options.target,
    state: group?.state ?? 'Dead',
    members: group?.members.length ?? 0,
    rows,
  }
}

/** Applies a plan; refuses (KAFKIT_GROUP_ACTIVE) when the group has members now. */
export async function applyOffsetReset(admin: Admin, plan: ResetPlan): Promise<void> {
  const [group] = await readGroups(admin, { groups: [plan.group] })
  assertInactive(plan.group, group)
  await admin.alterConsumerGroupOffsets({
    groupId: plan.group,
    topics: [{ name: plan.topic, partitionOffsets: plan.rows.map((r) => ({ partition: r.partition, offset: r.to })) }],
  })
}

export function assertInactive(id: string, group: GroupState | undefined): void {
  if (group && group.members.length > 0) {
    throw new KafkitError(
      ErrorCodes.GROUP_ACTIVE,
      `consumer group ${id} has ${group.members.length} member(s) (${group.members.map((m) => `${m.clientId}@${m.host}`).join(', ')}): stop them first, or their next commit overwrites the reset`,
      { details: { group: id, members: group.members.length } },
    )
  }
}
