// Before a replay: does each target group exist, and has it consumed the topic the records go back
// to? A replay for a group that never read the topic re-handles nothing (the records are skipped by
// every other kafkit group and nobody is waiting for them), so it is refused instead of reported as done.
import type { Admin } from '@platformatic/kafka'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { groupExists, hasConsumed, readGroups } from './groups.ts'

export interface ReplayTarget {
  group: string
  topic: string
}

export interface ReplayTargetCheck extends ReplayTarget {
  ok: boolean
  /** Why the target cannot take the replay. */
  problem: string | undefined
  /** Members now: 0 means the replays wait until the group runs again. */
  members: number
}

export async function checkReplayTargets(admin: Admin, targets: readonly ReplayTarget[]): Promise<ReplayTargetCheck[]> {
  const unique = [...new Map(targets.map((t) => [`${t.group}\u0000${t.topic}`, t])).values()]
  if (unique.length === 0) return []
  const groups = new Map(
    (await readGroups(admin, { groups: [...new Set(unique.map((t) => t.group))] })).map((g) => [g.id, g]),
  )
  return unique.map((target) => {
    const group = groups.get(target.group)
    const members = group?.members.length ?? 0
    let problem: string | undefined
    if (!group || !groupExists(group)) problem = `consumer group ${target.group} does not exist`
    else if (!hasConsumed(group, target.topic))
      problem = `consumer group ${target.group} has never committed an offset on ${target.topic}, nor is it assigned one of its partitions`
    return { ...target, ok: problem === undefined, problem, members }
  })
}

/** Throws KAFKIT_REPLAY_TARGET_INVALID naming every target that cannot take its replays. */
export function assertReplayTargets(checks: readonly ReplayTargetCheck[]): void {
  const bad = checks.filter((c) => !c.ok)
  if (bad.length === 0) return
  throw new KafkitError(
    ErrorCodes.REPLAY_TARGET_INVALID,
    `replay refused, nothing sent: ${bad.map((c) => c.problem).join('; ')}. A replay reaches only the group it names: pick a group that consumes the topic (--to-group), or --all-groups for failures no group saw`,
    { details: { targets: bad.map(({ group, topic }) => ({ group, topic })) } },
  )
}
