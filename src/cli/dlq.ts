// kafkit dlq list | show | replay
import { Command, Option } from 'commander'
import { requireTopic } from '../admin/cluster.ts'
import { assertReplayTargets, checkReplayTargets } from '../admin/replay-target.ts'
import { readDeadLetters, replayDeadLetters, type DeadLetterFilter } from '../dlq/index.ts'
import { silentLogger } from '../logging/logger.ts'
import { Producer } from '../producer/producer.ts'
import { checkRange, exclusive, nameArg, offsetArg, timeArg, typeArg, wholeNumber } from './args.ts'
import type { CliContext } from './context.ts'
import { loadCatalog } from './catalog-module.ts'
import { usageError } from './exit.ts'
import { table, toJson } from './io.ts'
import { progressBar } from './progress.ts'

interface FilterFlags {
  group?: string
  type?: string
  eventId?: string
  errorCode?: string
  since?: Date
  until?: Date
  partition?: number
  limit?: number
}

function withFilters(command: Command): Command {
  return command
    .option('--group <group>', 'only failures of this consumer group', (v) => nameArg('--group', v))
    .option('--type <type>', 'only this event type or pattern (e.g. "ride.*")', (v) => typeArg('--type', v))
    .option('--event-id <id>', 'only this event id', (v) => nameArg('--event-id', v))
    .option('--error-code <code>', 'only failures with this error code (e.g. KAFKIT_PAYLOAD_INVALID)', (v) =>
      nameArg('--error-code', v),
    )
    .option('--since <time>', 'only failures last seen at or after this time (ISO 8601, or 30m, 2h, 7d ago)', (v) =>
      timeArg('--since', v),
    )
    .option('--until <time>', 'only failures last seen before this time', (v) => timeArg('--until', v))
    .option('--partition <n>', 'only this DLQ partition', (v) => wholeNumber('--partition', v))
    .option('--limit <n>', 'at most this many', (v) => wholeNumber('--limit', v, { min: 1 }))
}

/** The filter, after checking the topic exists and the partition is one of its partitions. */
async function filterOf(ctx: CliContext, topic: string, flags: FilterFlags): Promise<DeadLetterFilter> {
  checkRange(flags.since, flags.until)
  const state = await requireTopic(await ctx.admin(), topic)
  if (flags.partition !== undefined && flags.partition >= state.partitions.length) {
    throw usageError(
      `--partition ${flags.partition}: ${topic} has ${state.partitions.length} partition(s), 0 to ${state.partitions.length - 1}`,
    )
  }
  const filter: DeadLetterFilter = {}
  for (const key of ['group', 'type', 'eventId', 'errorCode', 'since', 'until', 'partition', 'limit'] as const) {
    if (flags[key] !== undefined) Object.assign(filter, { [key]: flags[key] })
  }
  return filter
}

export function dlqCommand(ctx: CliContext): Command {
  const { io } = ctx
  const dlq = new Command('dlq').description('inspect and replay dead-letter topics')

  withFilters(dlq.command('list').description('list the failures in a DLQ topic').argument('<topic>', 'the DLQ topic'))
    .option('--json', 'one JSON object per line')
    .action(async (topic: string, flags: FilterFlags & { json?: boolean }) => {
      const filter = await filterOf(ctx, topic, flags)
      const entries = await readDeadLetters(await ctx.client(), topic, filter)
      if (flags.json) {
        for (const e of entries)
          io.out(toJson({ partition: e.partition, offset: e.offset, ...e.record, problem: e.problem }))
        return
      }
      const rows = [['PARTITION', 'OFFSET', 'LAST FAILURE', 'GROUP', 'TYPE', 'EVENT ID', 'ATTEMPTS', 'ERROR']]
      for (const e of entries) {
        const r = e.record
        rows.push([
          String(e.partition),
          e.offset.toString(),
          r?.last_failure ?? '-',
          r?.consumer_group ?? '(producer)',
          r?.event_type ?? '-',
          r?.event_id ?? '-',
          String(r?.attempt_count ?? '-'),
          r ? `${r.error_code ?? r.error_type}: ${r.error_message.slice(0, 80)}` : (e.problem ?? ''),
        ])
      }
      for (const line of table(rows)) io.out(line)
      io.out(`${entries.length} failure(s)`)
    })

  dlq
    .command('show')
    .description('print one failure record in full')
    .argument('<topic>', 'the DLQ topic')
    .requiredOption('--offset <n>', 'its offset', (v) => offsetArg('--offset', v))
    .option('--partition <n>', 'its partition (default 0)', (v) => wholeNumber('--partition', v))
    .action(async (topic: string, flags: { offset: bigint; partition?: number }) => {
      const partition = flags.partition ?? 0
      await filterOf(ctx, topic, { partition })
      const [entry] = await readDeadLetters(await ctx.client(), topic, {
        partition,
        fromOffset: flags.offset,
        toOffset: flags.offset,
      })
      if (!entry) throw new Error(`no record at ${topic} partition ${partition} offset ${flags.offset}`)
      io.out(
        JSON.stringify(
          {
            partition: entry.partition,
            offset: entry.offset.toString(),
            headers: Object.fromEntries(entry.headers),
            record: entry.record,
            problem: entry.problem,
          },
          null,
          2,
        ),
      )
    })

  withFilters(
    dlq
      .command('replay')
      .description('re-publish failures so that only the group that failed handles them again')
      .argument('<topic>', 'the DLQ topic'),
  )
    .option('--to-group <group>', 'replay for this group instead of the one in each record', (v) =>
      nameArg('--to-group', v),
    )
    .option('--all-groups', 'replay for every group (for failures that never reached the topic)')
    .option('--dry-run', 'show what would be replayed; send nothing')
    .option(
      '--catalog <module#export>',
      "the catalog whose topics' partitioners place the replayed records (default: KAFKIT_CATALOG; without one, murmur2)",
    )
    .addOption(
      new Option('--rate <n>', 'at most n records per second (default: no limit)').argParser((v) =>
        wholeNumber('--rate', v, { min: 1 }),
      ),
    )
    .action(
      async (
        topic: string,
        flags: FilterFlags & {
          toGroup?: string
          allGroups?: boolean
          dryRun?: boolean
          rate?: number
          catalog?: string
        },
      ) => {
        exclusive({ '--to-group': flags.toGroup, '--all-groups': flags.allGroups })
        const filter = await filterOf(ctx, topic, flags)
        const client = await ctx.client()
        const target = {
          filter,
          ...(flags.toGroup !== undefined && { group: flags.toGroup }),
          ...(flags.allGroups !== undefined && { allGroups: flags.allGroups }),
        }
        // A dry run first, always: it lists what would go where, and the targets are checked
        // before anything is sent.
        const plan = await replayDeadLetters(
          client,
          topic,
          { sendRecords: () => Promise.resolve() },
          {
            ...target,
            dryRun: true,
          },
        )
        const targets = plan.replayed.flatMap((r) =>
          r.group === undefined ? [] : [{ group: r.group, topic: r.topic }],
        )
        const checks = await checkReplayTargets(await ctx.admin(), targets)
        const describe = (verb: string) => (item: (typeof plan.replayed)[number]) =>
          `${verb} ${item.entry.record?.event_id ?? '?'} (${item.entry.record?.event_type ?? '?'}) to ${item.topic} for ${item.group ?? 'every group'}`
        if (flags.dryRun) {
          plan.replayed.forEach((item) => io.out(describe('would replay')(item)))
          for (const s of plan.skipped) io.out(`skipped ${s.entry.partition}/${s.entry.offset}: ${s.reason}`)
          for (const c of checks.filter((c) => c.ok && c.members === 0))
            io.out(`note: ${c.group} has no members now: it handles the replays when it runs again`)
          assertReplayTargets(checks)
          io.out(`${plan.replayed.length} would be replayed, ${plan.skipped.length} skipped`)
          return
        }
        assertReplayTargets(checks)
        // A topic partitioned by fnv1a or crc32 (mixed fleets) needs its catalog, or replayed
        // records would land on murmur2's partition and out of order with their key's others.
        const catalogSpec = flags.catalog ?? io.env['KAFKIT_CATALOG']
        const topics = catalogSpec === undefined ? [] : (await loadCatalog(catalogSpec, io)).topics()
        const producer = new Producer({ client, service: 'kafkit-cli', logger: silentLogger(), topics })
        ctx.onClose(() => producer.close())
        const progress = progressBar(io, 'replaying', plan.replayed.length)
        let done = 0
        const report = await replayDeadLetters(client, topic, producer, {
          ...target,
          ...(flags.rate !== undefined && { ratePerSecond: flags.rate }),
          onReplayed: (item) => {
            io.out(describe('replayed')(item))
            progress.tick(++done)
          },
        })
        progress.finish()
        for (const s of report.skipped) io.out(`skipped ${s.entry.partition}/${s.entry.offset}: ${s.reason}`)
        io.out(`${report.replayed.length} replayed, ${report.skipped.length} skipped`)
      },
    )

  return dlq
}
