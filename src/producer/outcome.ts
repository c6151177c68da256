// What one wire send did, partition by partition. A send that spans partitions is not atomic: the
// broker may write some partitions and reject others, and the wire client then fails the whole
// call. Reading the per-partition responses keeps written records from being reported as failed.
import type { ProduceResult } from '@platformatic/kafka'
import { ErrorCodes, type KafkitError } from '../errors.ts'
import { publishErrorFromWire } from './failures.ts'
import type { OutgoingRecord } from './record.ts'

export interface SendOutcome {
  /** Base offset of each written partition batch, by topic then partition. */
  written: Map<string, Map<number, bigint>>
  /** The broker's error for each rejected partition batch. */
  rejected: Map<string, Map<number, Error>>
}

interface PartitionResponse {
  index: number
  errorCode: number
  baseOffset: bigint
}
interface ProduceResponse {
  responses?: { name: string; partitionResponses?: PartitionResponse[] }[]
}

export function outcomeOf(result: ProduceResult | undefined, error: unknown): SendOutcome {
  const outcome: SendOutcome = { written: new Map(), rejected: new Map() }
  const produced = result ?? (error as { produced?: ProduceResult } | undefined)?.produced
  for (const { topic, partition, offset } of produced?.offsets ?? []) put(outcome.written, topic, partition, offset)
  if (error !== undefined) for (const responseError of responseErrors(error)) addResponse(outcome, responseError)
  return outcome
}

function addResponse(outcome: SendOutcome, error: AggregateError & { response: ProduceResponse }): void {
  const byPath = new Map<string, Error>()
  for (const e of error.errors as (Error & { path?: string })[]) if (e.path) byPath.set(e.path, e)
  error.response.responses?.forEach((topic, i) => {
    topic.partitionResponses?.forEach((p, j) => {
      if (p.errorCode === 0) put(outcome.written, topic.name, p.index, p.baseOffset)
      else put(outcome.rejected, topic.name, p.index, byPath.get(`/responses/${i}/partition_responses/${j}`) ?? error)
    })
  })
}

/** Every produce ResponseError in an error tree (retries wrap errors in MultipleErrors). */
function responseErrors(error: unknown, depth = 0): (AggregateError & { response: ProduceResponse })[] {
  if (depth > 6 || typeof error !== 'object' || error === null) return []
  const found: (AggregateError & { response: ProduceResponse })[] = []
  const response = (error as { response?: ProduceResponse }).response
  if (error instanceof AggregateError && Array.isArray(response?.responses)) {
    found.push(error as AggregateError & { response: ProduceResponse })
  }
  if (error instanceof AggregateError) {
    for (const nested of error.errors) found.push(...responseErrors(nested, depth + 1))
  }
  const cause = (error as { cause?: unknown }).cause
  if (cause !== undefined) found.push(...responseErrors(cause, depth + 1))
  return found
}

function put<T>(map: Map<string, Map<number, T>>, topic: string, partition: number, value: T): void {
  let partitions = map.get(topic)
  if (!partitions) map.set(topic, (partitions = new Map<number, T>()))
  partitions.set(partition, value)
}

export interface SettleHandlers {
  succeed(record: OutgoingRecord, offset: bigint): void
  fail(record: OutgoingRecord, error: KafkitError): void
  /** The deadline passed while the wire client was still trying. */
  expired(record: OutgoingRecord): void
  /** Records to send again, each alone: their partition's batch was refused as too large. */
  retryAlone(records: OutgoingRecord[]): void
}

/**
 * Settles the records of one request from what the broker answered: written records get their
 * offset (the batch's base offset plus their index in it), the others an error, or another go alone.
 */
export function settleSent(
  records: readonly OutgoingRecord[],
  outcome: SendOutcome,
  error: unknown,
  acknowledged: boolean,
  on: SettleHandlers,
): void {
  const sizes = new Map<string, number[]>()
  const indices = records.map((r) => {
    let counts = sizes.get(r.topic)
    if (!counts) sizes.set(r.topic, (counts = []))
    const index = counts[r.partition!] ?? 0
    counts[r.partition!] = index + 1
    return index
  })
  const alone: OutgoingRecord[] = []
  records.forEach((record, i) => {
    if (record.settled) return
    const partition = record.partition!
    const facts = { topic: record.topic, eventId: record.eventId, eventType: record.eventType }
    const base = outcome.written.get(record.topic)?.get(partition)
    if (base !== undefined) return on.succeed(record, base >= 0n ? base + BigInt(indices[i]!) : -1n)
    if (error === undefined) {
      // acks=none: the broker does not answer, so there is no offset to report.
      if (!acknowledged) return on.succeed(record, -1n)
      return on.fail(record, publishErrorFromWire(new Error('the broker returned no offset for the partition'), facts))
    }
    // The wire client stopped retrying at the deadline: a timeout, whatever the last attempt said.
    if (record.deadline <= Date.now()) return on.expired(record)
    const failure = publishErrorFromWire(outcome.rejected.get(record.topic)?.get(partition) ?? error, facts)
    if (failure.code === ErrorCodes.RECORD_TOO_LARGE && !record.solo && sizes.get(record.topic)![partition]! > 1) {
      // The partition's batch was too large, not necessarily this record: send each on its own.
      record.solo = true
      alone.push(record)
      return
    }
    on.fail(record, failure)
  })
  if (alone.length > 0) on.retryAlone(alone)
}
