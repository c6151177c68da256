// kafkit dlq list | show | replay
import { Command, Option } from 'commander'
import { readDeadLetters, replayDeadLetters, type DeadLetterFilter } from '../dlq/index.ts'
import { silentLogger } from '../logging/logger.ts'
import { Producer } from '../producer/producer.ts'
import { clientFrom, table, type CliIo } from './io.ts'

interface FilterFlags {
  group?: string
  type?: string
  eventId?: string
  errorCode?: string
  since?: string
  until?: string
  partition?: string
  limit?: string
}

function withFilters(command: Command): Command {
  return command
    .option('--group <group>', 'only failures of this consumer group')
    .option('--type <type>', 'only this event type or pattern (e.g. "ride.*")')
    .option('--event-id <id>', 'only this event id')
    .option('--error-code <code>', 'only failures with this error code (e.g. KAFKIT_PAYLOAD_INVALID)')
    .option('--since <time>', 'only failures last seen at or after this ISO time')
    .option('--until <time>', 'only failures last seen before this ISO time')
    .option('--partition <n>', 'only this DLQ partition')
    .option('--limit <n>', 'at most this many')
}

function filterOf(flags: FilterFlags): DeadLetterFilter {
  const filter: DeadLetterFilter = {}
  if (flags.group) filter.group = flags.group
  if (flags.type) filter.type = flags.type
  if (flags.eventId) filter.eventId = flags.eventId
  if (flags.errorCode) filter.errorCode = flags.errorCode
  if (flags.since) filter.since = date(flags.since, '--since')
  if (flags.until) filter.until = date(flags.until, '--until')
  if (flags.partition) filter.partition = int(flags.partition, '--partition')
  if (flags.limit) filter.limit = int(flags.limit, '--limit')
  return filter
}

function date(value: string, flag: string): Date {
  const parsed = new Date(value)
  if (Number.isNaN(parsed.getTime()))
    throw new Error(`${flag} "${value}" is not a time: use ISO 8601, e.g. 2026-01-31T12:00:00Z`)
  return parsed
}

function int(value: string, flag: string): number {
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag} "${value}" must be a whole number, e.g. 10`)
  return parsed
}

export function dlqCommand(io: CliIo, brokers: () => string | undefined): Command {
  const dlq = new Command('dlq').description('inspect and replay dead-letter topics')

  withFilters(dlq.command('list').description('list the failures in a DLQ topic').argument('<topic>', 'the DLQ topic'))
    .option('--json', 'one JSON object per line')
    .action(async (topic: string, flags: FilterFlags & { json?: boolean }) => {
      const entries = await readDeadLetters(clientFrom(brokers(), io), topic, filterOf(flags))
      if (flags.json) {
        for (const e of entries)
          io.out(
            JSON.stringify({ partition: e.partition, offset: e.offset.toString(), ...e.record, problem: e.problem }),
          )
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
    .requiredOption('--offset <n>', 'its offset')
    .option('--partition <n>', 'its partition', '0')
    .action(async (topic: string, flags: { offset: string; partition: string }) => {
      const offset = BigInt(int(flags.offset, '--offset'))
      const partition = int(flags.partition, '--partition')
      const [entry] = await readDeadLetters(clientFrom(brokers(), io), topic, {
        partition,
        fromOffset: offset,
        toOffset: offset,
      })
      if (!entry) throw new Error(`no record at ${topic} partition ${partition} offset ${offset}`)
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
    .option('--to-group <group>', 'replay for this group instead of the one in each record')
    .option('--all-groups', 'replay for every group (for failures that never reached the topic)')
    .option('--dry-run', 'show what would be replayed; send nothing')
    .addOption(new Option('--rate <n>', 'at most n records per second').argParser((v) => int(v, '--rate')))
    .action(
      async (
        topic: string,
        flags: FilterFlags & { toGroup?: string; allGroups?: boolean; dryRun?: boolean; rate?: number },
      ) => {
        const client = clientFrom(brokers(), io)
        const producer = new Producer({ client, service: 'kafkit-cli', logger: silentLogger() })
        try {
          const report = await replayDeadLetters(client, topic, producer, {
            filter: filterOf(flags),
            ...(flags.toGroup !== undefined && { group: flags.toGroup }),
            ...(flags.allGroups !== undefined && { allGroups: flags.allGroups }),
            ...(flags.dryRun !== undefined && { dryRun: flags.dryRun }),
            ...(flags.rate !== undefined && { ratePerSecond: flags.rate }),
            onReplayed: (item) =>
              io.out(
                `${flags.dryRun ? 'would replay' : 'replayed'} ${item.entry.record?.event_id ?? '?'} (${item.entry.record?.event_type ?? '?'}) to ${item.topic} for ${item.group ?? 'every group'}`,
              ),
          })
          for (const s of report.skipped) io.out(`skipped ${s.entry.partition}/${s.entry.offset}: ${s.reason}`)
          io.out(
            `${report.replayed.length} ${flags.dryRun ? 'would be replayed' : 'replayed'}, ${report.skipped.length} skipped`,
          )
        } finally {
          await producer.close()
        }
      },
    )

  return dlq
}
