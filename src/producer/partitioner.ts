// Where each record goes: its explicit partition, else its topic's partitioner applied to its key
// (murmur2 unless the catalog says otherwise, see catalog/partitioners.ts), else, for records
// without a key, the sticky partition.
import { DEFAULT_PARTITIONER, resolvePartitioner, type PartitionerOption } from '../catalog/partitioners.ts'
import type { PublishError } from '../errors.ts'
import { invalidPartitionError, partitionerError } from './failures.ts'
import type { OutgoingRecord } from './record.ts'

/** The partition of a key under a partitioner (default murmur2, the Java client's). */
export function partitionForKey(key: Buffer | string, partitions: number, partitioner?: PartitionerOption): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key
  const resolved = partitioner === undefined ? DEFAULT_PARTITIONER : resolvePartitioner('(none)', partitioner)
  return resolved.partition(bytes, partitions)
}

/**
 * The partition `record` goes to in a topic of `count` partitions; undefined for a keyless record
 * (the caller picks the sticky partition); an error when the explicit partition does not exist or
 * the topic's own partition function fails.
 */
export function choosePartition(record: OutgoingRecord, count: number): number | undefined | PublishError {
  const facts = { topic: record.topic, eventId: record.eventId, eventType: record.eventType }
  const explicit = record.explicitPartition
  if (explicit !== undefined)
    return isPartition(explicit, count) ? explicit : invalidPartitionError(facts, explicit, count)
  if (record.key === undefined) return undefined
  let chosen: unknown
  try {
    chosen = record.partitioner.partition(record.key, count)
  } catch (err) {
    chosen = err instanceof Error ? err : new Error(String(err))
  }
  return isPartition(chosen, count) ? chosen : partitionerError(facts, count, chosen)
}

function isPartition(value: unknown, count: number): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) < count
}

/**
 * Keyless records: like Java's sticky partitioner, all keyless records of one topic in one request
 * go to the same partition (bigger batches), and the next request moves on to the next partition.
 */
export class StickyPartitions {
  readonly #next = new Map<string, number>()

  current(topic: string, partitions: number): number {
    let value = this.#next.get(topic)
    if (value === undefined) {
      value = Math.floor(Math.random() * partitions)
      this.#next.set(topic, value)
    }
    return value % partitions
  }

  advance(topic: string): void {
    const value = this.#next.get(topic)
    if (value !== undefined) this.#next.set(topic, value + 1)
  }
}
