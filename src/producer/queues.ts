// Records waiting to be sent: one queue per partition, in publish order, and the records whose
// topic's partitions are not known yet. A partition with a request in flight is busy: its next
// records wait, so that a retried request never overtakes the ones behind it (per-key order, and
// the idempotent producer's sequence numbers).
import { BATCH_OVERHEAD, TimestampSpan, type OutgoingRecord } from './record.ts'

export interface PartitionQueue {
  readonly topic: string
  readonly partition: number
  records: OutgoingRecord[]
  busy: boolean
}

export type ExpiredHandler = (record: OutgoingRecord) => void

export class Queues {
  /** By topic, then partition (no key string to build per record). */
  readonly #topics = new Map<string, PartitionQueue[]>()
  readonly #partitions: PartitionQueue[] = []
  readonly #unrouted = new Map<string, OutgoingRecord[]>()

  /** Appends a record whose partition is set. */
  add(record: OutgoingRecord): void {
    this.#queue(record.topic, record.partition!).records.push(record)
  }

  /** Puts records (partitions set) back at the front of their queues, keeping their order. */
  addFirst(records: readonly OutgoingRecord[]): void {
    const byQueue = new Map<PartitionQueue, OutgoingRecord[]>()
    for (const record of records) {
      const queue = this.#queue(record.topic, record.partition!)
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), record])
    }
    for (const [queue, first] of byQueue) queue.records = [...first, ...queue.records]
  }

  /** Keeps a record until its topic's partition count is known. */
  hold(record: OutgoingRecord): void {
    const held = this.#unrouted.get(record.topic)
    if (held) held.push(record)
    else this.#unrouted.set(record.topic, [record])
  }

  isHeld(topic: string): boolean {
    return this.#unrouted.has(topic)
  }

  /** The records held for a topic (removed), in order. */
  release(topic: string): OutgoingRecord[] {
    const held = this.#unrouted.get(topic) ?? []
    this.#unrouted.delete(topic)
    return held
  }

  stillNeeded(topic: string): boolean {
    return this.#unrouted.get(topic)?.some((r) => !r.settled) ?? false
  }

  /** Partitions with records to send and no request in flight. */
  ready(): PartitionQueue[] {
    const ready: PartitionQueue[] = []
    for (const queue of this.#partitions) if (!queue.busy && queue.records.length > 0) ready.push(queue)
    return ready
  }

  get empty(): boolean {
    if (this.#unrouted.size > 0) return false
    for (const queue of this.#partitions) if (queue.records.length > 0) return false
    return true
  }

  /**
   * One request's records from these partitions (all led by one broker), oldest first, up to
   * `maxBytes`. Expired records are handed to `expired` instead. The partitions taken become busy.
   */
  take(queues: PartitionQueue[], maxBytes: number, now: number, expired: ExpiredHandler): Batch {
    queues.sort((a, b) => a.records[0]!.deadline - b.records[0]!.deadline)
    const batch: Batch = { records: [], queues: [] }
    const span = new TimestampSpan()
    let bytes = BATCH_OVERHEAD
    for (const queue of queues) {
      let taken = 0
      let sent = 0
      for (; taken < queue.records.length; taken++) {
        const record = queue.records[taken]!
        if (record.deadline <= now) {
          expired(record)
          continue
        }
        const first = batch.records[0]
        // A record the broker refused as part of a batch too large goes alone.
        if (first !== undefined && (record.solo || first.solo || bytes + record.bytes > maxBytes)) break
        if (!span.admit(record.timestamp)) break
        batch.records.push(record)
        bytes += record.bytes
        sent++
      }
      if (taken > 0) queue.records = queue.records.slice(taken)
      if (sent > 0) {
        queue.busy = true
        batch.queues.push(queue)
      }
      if (batch.records[0]?.solo || bytes >= maxBytes) break
    }
    return batch
  }

  /** Fails every waiting record past its deadline; returns the earliest deadline left. */
  expire(now: number, expired: ExpiredHandler): number | undefined {
    let earliest: number | undefined
    const keep = (records: OutgoingRecord[]) =>
      records.filter((record) => {
        if (record.settled) return false
        if (record.deadline <= now) {
          expired(record)
          return false
        }
        if (earliest === undefined || record.deadline < earliest) earliest = record.deadline
        return true
      })
    for (const queue of this.#partitions) queue.records = keep(queue.records)
    for (const [topic, held] of this.#unrouted) {
      const left = keep(held)
      if (left.length > 0) this.#unrouted.set(topic, left)
      else this.#unrouted.delete(topic)
    }
    return earliest
  }

  #queue(topic: string, partition: number): PartitionQueue {
    let queues = this.#topics.get(topic)
    if (!queues) this.#topics.set(topic, (queues = []))
    let queue = queues[partition]
    if (!queue) {
      queue = queues[partition] = { topic, partition, records: [], busy: false }
      this.#partitions.push(queue)
    }
    return queue
  }
}

export interface Batch {
  records: OutgoingRecord[]
  queues: PartitionQueue[]
}
