// Replay: re-publish failed records to their original topic so that only the group that failed
// handles them again (every other kafkit consumer skips a record replayed for another group).
import { setTimeout as sleep } from 'node:timers/promises'
import type { ClientOptions } from '../config/client.ts'
import type { RawRecord } from '../producer/types.ts'
import { ReplayHeaders } from './headers.ts'
import { readDeadLetters, type DeadLetterEntry, type DeadLetterFilter } from './reader.ts'

export interface ReplaySender {
  sendRecords(records: readonly RawRecord[]): Promise<unknown>
}

export interface ReplayOptions {
  filter?: DeadLetterFilter
  /** Target group; default: the group named in each failure record. */
  group?: string
  /** Replay to every consumer group (no target header): for failures that never reached the topic. */
  allGroups?: boolean
  /** Report what would be replayed; send nothing. */
  dryRun?: boolean
  /** At most this many records per second. */
  ratePerSecond?: number
  /** Called after each record is replayed (or would be, in a dry run). */
  onReplayed?: (item: ReplayedItem) => void
}

export interface ReplayedItem {
  entry: DeadLetterEntry
  topic: string
  group: string | undefined
}

export interface ReplayReport {
  dryRun: boolean
  replayed: ReplayedItem[]
  skipped: { entry: DeadLetterEntry; reason: string }[]
}

/** Headers kafkit adds on the way (failure, retry-tier and replay bookkeeping), dropped on replay. */
const INTERNAL_PREFIXES = ['kafkit-dlq-', 'kafkit-retry-', 'kafkit-replay-']

export async function replayDeadLetters(
  client: ClientOptions,
  dlqTopic: string,
  sender: ReplaySender,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const entries = await readDeadLetters(client, dlqTopic, options.filter ?? {})
  const report: ReplayReport = { dryRun: options.dryRun ?? false, replayed: [], skipped: [] }
  const interval = options.ratePerSecond ? 1000 / options.ratePerSecond : 0
  const started = performance.now()
  for (const entry of entries) {
    const planned = plan(entry, dlqTopic, options)
    if ('reason' in planned) {
      report.skipped.push({ entry, reason: planned.reason })
      continue
    }
    const due = started + report.replayed.length * interval
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    if (!report.dryRun) await sender.sendRecords([planned.record])
    const item = { entry, topic: planned.record.topic, group: planned.group }
    report.replayed.push(item)
    options.onReplayed?.(item)
  }
  return report
}

function plan(
  entry: DeadLetterEntry,
  dlqTopic: string,
  options: ReplayOptions,
): { record: RawRecord; group: string | undefined } | { reason: string } {
  const { record, original } = entry
  if (!record || !original) return { reason: `not a kafkit failure record: ${entry.problem ?? 'unreadable'}` }
  if (original.valueOmitted) return { reason: `the original value was not kept (${original.valueOmitted})` }
  if (original.headersOmitted) return { reason: `the original headers were not kept (${original.headersOmitted})` }
  const group = options.allGroups ? undefined : (options.group ?? record.consumer_group)
  // The original headers, byte for byte and in order, then the replay's own.
  const headers: (readonly [Buffer, Buffer | null])[] = original.headers.filter(([name]) => {
    const text = name.toString('latin1')
    return !INTERNAL_PREFIXES.some((prefix) => text.startsWith(prefix))
  })
  if (group !== undefined) headers.push([Buffer.from(ReplayHeaders.group), Buffer.from(group)])
  headers.push([Buffer.from(ReplayHeaders.source), Buffer.from(`${dlqTopic}/${entry.partition}/${entry.offset}`)])
  headers.push([Buffer.from(ReplayHeaders.at), Buffer.from(new Date().toISOString())])
  return {
    record: { topic: record.original_topic, key: original.key ?? undefined, value: original.value, headers },
    group,
  }
}
