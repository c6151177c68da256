// kafkit topics list | describe
import { Command } from 'commander'
import { readCluster, requireTopic } from '../admin/cluster.ts'
import { readGroups } from '../admin/groups.ts'
import type { CliContext } from './context.ts'
import { bytes, count } from './format.ts'
import { table, toJson } from './io.ts'

export function topicsCommand(ctx: CliContext): Command {
  const { io } = ctx
  const topics = new Command('topics').description('topics, partitions, offsets and sizes')

  topics
    .command('list')
    .description('every topic with its partitions, records and size')
    .option('--internal', 'include internal topics (__consumer_offsets)')
    .option('--json', 'one JSON object per line')
    .action(async (flags: { internal?: boolean; json?: boolean }) => {
      const state = await readCluster(await ctx.admin(), { internal: flags.internal ?? false })
      if (flags.json) {
        for (const t of state.topics) {
          const { partitions, ...rest } = t
          io.out(toJson({ ...rest, partitions: partitions.length }))
        }
        return
      }
      const rows = [['TOPIC', 'PARTITIONS', 'REPLICAS', 'RECORDS', 'WRITTEN', 'SIZE']]
      for (const t of state.topics)
        rows.push([
          t.name,
          String(t.partitions.length),
          String(t.replicationFactor),
          count(t.records),
          count(t.written),
          bytes(t.bytes),
        ])
      for (const line of table(rows)) io.out(line)
      io.out(`${state.topics.length} topic(s) on ${state.brokers.length} broker(s), cluster ${state.clusterId}`)
    })

  topics
    .command('describe')
    .description('one topic: partitions (leader, replicas, offsets) and the groups that read it')
    .argument('<topic>')
    .option('--json', 'one JSON object')
    .action(async (name: string, flags: { json?: boolean }) => {
      const admin = await ctx.admin()
      const topic = await requireTopic(admin, name, { sizes: true })
      const groups = (await readGroups(admin)).filter((g) => g.topics.includes(name))
      const readers = groups.map((g) => ({
        group: g.id,
        state: g.state,
        members: g.members.length,
        lag: g.partitions.filter((p) => p.topic === name).reduce((s, p) => s + (p.lag ?? 0), 0),
      }))
      if (flags.json) {
        io.out(toJson({ ...topic, groups: readers }))
        return
      }
      io.out(`${topic.name}: ${topic.partitions.length} partition(s), replication ${topic.replicationFactor}`)
      const rows = [['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'EARLIEST', 'LATEST', 'RECORDS', 'SIZE']]
      for (const p of topic.partitions)
        rows.push([
          String(p.partition),
          String(p.leader),
          p.replicas.join(','),
          p.isr.join(','),
          p.earliest.toString(),
          p.latest.toString(),
          count(p.latest - p.earliest),
          bytes(p.bytes),
        ])
      for (const line of table(rows)) io.out(line)
      if (readers.length === 0) io.out('no consumer group has read it')
      else {
        const groupRows = [['GROUP', 'STATE', 'MEMBERS', 'LAG']]
        for (const r of readers) groupRows.push([r.group, r.state, String(r.members), count(r.lag)])
        io.out('')
        for (const line of table(groupRows)) io.out(line)
      }
    })

  return topics
}
