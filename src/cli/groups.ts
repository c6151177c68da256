// kafkit groups list | describe | reset-offsets
import { Command } from 'commander'
import { readGroups, requireGroup } from '../admin/groups.ts'
import { applyOffsetReset, planOffsetReset, type ResetTarget } from '../admin/reset-offsets.ts'
import { nameArg, offsetArg, timeArg, wholeNumber } from './args.ts'
import type { CliContext } from './context.ts'
import { usageError } from './exit.ts'
import { count } from './format.ts'
import { table, toJson } from './io.ts'

interface ResetFlags {
  topic: string
  toEarliest?: boolean
  toLatest?: boolean
  toTime?: Date
  toOffset?: bigint
  partition?: number[]
  execute?: boolean
  json?: boolean
}

function targetOf(flags: ResetFlags): ResetTarget {
  const targets: ResetTarget[] = []
  if (flags.toEarliest) targets.push({ to: 'earliest' })
  if (flags.toLatest) targets.push({ to: 'latest' })
  if (flags.toTime) targets.push({ to: 'time', time: flags.toTime })
  if (flags.toOffset !== undefined) targets.push({ to: 'offset', offset: flags.toOffset })
  if (targets.length !== 1) {
    throw usageError(
      `give exactly one of --to-earliest, --to-latest, --to-time <time>, --to-offset <n> (got ${targets.length})`,
    )
  }
  return targets[0]!
}

export function groupsCommand(ctx: CliContext): Command {
  const { io } = ctx
  const groups = new Command('groups').description('consumer groups: members, assignments, lag, offset resets')

  groups
    .command('list')
    .description('every consumer group with its state, members and total lag')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { json?: boolean }) => {
      const all = await readGroups(await ctx.admin())
      all.sort((a, b) => a.id.localeCompare(b.id))
      if (flags.json) {
        for (const g of all)
          io.out(toJson({ id: g.id, state: g.state, members: g.members.length, topics: g.topics, lag: g.lag }))
        return
      }
      const rows = [['GROUP', 'STATE', 'MEMBERS', 'TOPICS', 'LAG']]
      for (const g of all) rows.push([g.id, g.state, String(g.members.length), g.topics.join(',') || '-', count(g.lag)])
      for (const line of table(rows)) io.out(line)
      io.out(`${all.length} group(s)`)
    })

  groups
    .command('describe')
    .description("one group: its members, what each owns, and every partition's lag")
    .argument('<group>')
    .option('--json', 'one JSON object')
    .action(async (id: string, flags: { json?: boolean }) => {
      const group = await requireGroup(await ctx.admin(), id)
      if (flags.json) {
        io.out(toJson(group))
        return
      }
      io.out(
        `${group.id}: ${group.state}, ${group.members.length} member(s)${group.protocol ? `, ${group.protocol}` : ''}, lag ${count(group.lag)}`,
      )
      const rows = [['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'OWNER']]
      for (const p of group.partitions)
        rows.push([
          p.topic,
          String(p.partition),
          p.committed?.toString() ?? '-',
          p.end.toString(),
          p.lag === undefined ? '-' : String(p.lag),
          p.owner ?? '-',
        ])
      for (const line of table(rows)) io.out(line)
    })

  groups
    .command('reset-offsets')
    .description("move a group's committed offsets on a topic (a dry run unless --execute; the group must be stopped)")
    .argument('<group>')
    .requiredOption('--topic <topic>', 'the topic whose offsets move', (v) => nameArg('--topic', v))
    .option('--to-earliest', 'to the oldest record still held')
    .option('--to-latest', 'to the end (skip everything unread)')
    .option('--to-time <time>', 'to the first record at or after this time (ISO 8601, or 30m, 2h, 7d ago)', (v) =>
      timeArg('--to-time', v),
    )
    .option('--to-offset <n>', 'to this offset on every chosen partition', (v) => offsetArg('--to-offset', v))
    .option('--partition <n>', 'only this partition (repeatable)', (v, previous: number[] = []) => [
      ...previous,
      wholeNumber('--partition', v),
    ])
    .option('--execute', 'apply the change (without it, only the plan is printed)')
    .option('--json', 'the plan as JSON')
    .action(async (group: string, flags: ResetFlags) => {
      nameArg('<group>', group)
      const target = targetOf(flags)
      const admin = await ctx.admin()
      await requireGroup(admin, group)
      const plan = await planOffsetReset(admin, {
        group,
        topic: flags.topic,
        target,
        ...(flags.partition && { partitions: flags.partition }),
      })
      if (flags.execute) await applyOffsetReset(admin, plan)
      if (flags.json) {
        io.out(toJson({ ...plan, executed: flags.execute === true }))
        return
      }
      const rows = [['TOPIC', 'PARTITION', 'FROM', 'TO', '']]
      for (const r of plan.rows)
        rows.push([
          r.topic,
          String(r.partition),
          r.from?.toString() ?? '-',
          r.to.toString(),
          r.clamped ? '(moved into the range held)' : '',
        ])
      for (const line of table(rows)) io.out(line)
      io.out(
        flags.execute
          ? `${group}: ${plan.rows.length} partition(s) of ${plan.topic} moved`
          : `dry run: nothing changed. Add --execute to move ${group}'s offsets.`,
      )
    })

  return groups
}
