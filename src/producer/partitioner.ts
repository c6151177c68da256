// Partitioning that agrees with the Java client, so that Go, Java and Node producers put one key's
// events on the same partition: positive murmur2 of the key bytes, modulo the partition count.
import { compatibilityPartitioner } from '@platformatic/kafka'

export function partitionForKey(key: Buffer | string, partitions: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key
  return compatibilityPartitioner(undefined as never, bytes) % partitions
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
