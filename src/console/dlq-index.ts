// An index of a DLQ topic held in memory: a few small fields per failure (where it is, when, which
// group, type and error code), enough to count by error code, type, group and hour and to list a
// filtered page of a DLQ of a hundred thousand records in milliseconds. The records themselves stay
// in Kafka: the record page fetches the one it shows. New failures are added as they arrive.
import { matchesPattern } from '../catalog/pattern.ts'
import { readFailure } from './dead-letters.ts'
import type { PartitionReader } from './partition-reader.ts'

export interface IndexedFailure {
  partition: number
  offset: bigint
  /** Last failure time (ms), else the DLQ record's time. */
  at: number
  group: string | undefined
  type: string | undefined
  code: string
  eventId: string | undefined
  originalTopic: string | undefined
  message: string
  attempts: number | undefined
}

export interface DlqFilter {
  group?: string | undefined
  type?: string | undefined
  code?: string | undefined
  eventId?: string | undefined
  since?: number | undefined
  until?: number | undefined
  partition?: number | undefined
}

export interface DlqFacets {
  total: number
  matching: number
  byCode: [string, number][]
  byType: [string, number][]
  byGroup: [string, number][]
  /** Failures per hour (start of the hour in ms), oldest first. */
  byHour: [number, number][]
}

const NO_GROUP = '(producer)'
const NO_TYPE = '(unknown)'
const HOUR = 3_600_000

export class DlqIndex {
  readonly topic: string
  readonly #reader: PartitionReader
  readonly #items: IndexedFailure[] = []
  readonly #next = new Map<number, bigint>()
  readonly #end = new Map<number, bigint>()
  readonly #strings = new Map<string, string>()
  #scan: Promise<void> | undefined

  constructor(reader: PartitionReader, topic: string) {
    this.#reader = reader
    this.topic = topic
  }

  get size(): number {
    return this.#items.length
  }

  /** Whether every partition was read up to the end seen at the last scan. */
  get complete(): boolean {
    for (const [p, end] of this.#end) if ((this.#next.get(p) ?? 0n) < end) return false
    return this.#end.size > 0
  }

  /** Reads what was added since the last scan (one scan at a time; callers share it). */
  scan(partitions: number, budgetMs = 5_000): Promise<void> {
    this.#scan ??= this.#scanAll(partitions, budgetMs).finally(() => (this.#scan = undefined))
    return this.#scan
  }

  async #scanAll(partitions: number, budgetMs: number): Promise<void> {
    const until = performance.now() + budgetMs
    await Promise.all(
      Array.from({ length: partitions }, async (_, partition) => {
        for (;;) {
          const from = this.#next.get(partition) ?? 0n
          const chunk = await this.#reader.read(this.topic, partition, from)
          this.#end.set(partition, chunk.highWatermark)
          for (const message of chunk.messages) this.#add(message)
          this.#next.set(partition, chunk.next > chunk.logStart ? chunk.next : chunk.logStart)
          if (chunk.next >= chunk.highWatermark || chunk.next === from || performance.now() > until) return
        }
      }),
    )
  }

  #add(message: Parameters<typeof readFailure>[0]): void {
    const failure = readFailure(message)
    const r = failure.record
    const last = r ? Date.parse(r.last_failure) : Number.NaN
    this.#items.push({
      partition: failure.partition,
      offset: failure.offset,
      at: Number.isNaN(last) ? failure.timestamp.getTime() : last,
      group: this.#intern(r?.consumer_group),
      type: this.#intern(r?.event_type),
      code: this.#intern(r ? (r.error_code ?? r.error_type) : 'NOT_A_FAILURE_RECORD')!,
      eventId: r?.event_id,
      originalTopic: this.#intern(r?.original_topic),
      message: (r?.error_message ?? failure.problem ?? '').slice(0, 160),
      attempts: r?.attempt_count,
    })
  }

  // A DLQ repeats a few groups, types and codes a hundred thousand times: keep one copy of each.
  #intern(value: string | undefined): string | undefined {
    if (value === undefined) return undefined
    const known = this.#strings.get(value)
    if (known !== undefined) return known
    this.#strings.set(value, value)
    return value
  }

  facets(filter: DlqFilter): DlqFacets {
    const code = new Map<string, number>()
    const type = new Map<string, number>()
    const group = new Map<string, number>()
    const hour = new Map<number, number>()
    let matching = 0
    for (const item of this.#items) {
      if (!matches(item, filter)) continue
      matching++
      bump(code, item.code)
      bump(type, item.type ?? NO_TYPE)
      bump(group, item.group ?? NO_GROUP)
      bump(hour, Math.floor(item.at / HOUR) * HOUR)
    }
    const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    return {
      total: this.#items.length,
      matching,
      byCode: top(code),
      byType: top(type),
      byGroup: top(group),
      byHour: [...hour].sort((a, b) => a[0] - b[0]),
    }
  }

  /** The newest matching failures first, `limit` of them, skipping `skip`. */
  query(filter: DlqFilter, { limit = 100, skip = 0 } = {}): IndexedFailure[] {
    const found = this.#items.filter((item) => matches(item, filter))
    found.sort((a, b) => b.at - a.at || (b.offset > a.offset ? 1 : b.offset < a.offset ? -1 : 0))
    return found.slice(skip, skip + limit)
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

export function matches(item: IndexedFailure, filter: DlqFilter): boolean {
  if (filter.partition !== undefined && item.partition !== filter.partition) return false
  if (filter.group !== undefined && (item.group ?? NO_GROUP) !== filter.group) return false
  if (filter.code !== undefined && item.code !== filter.code) return false
  if (filter.eventId !== undefined && item.eventId !== filter.eventId) return false
  if (filter.type !== undefined && !(item.type !== undefined && matchesPattern(filter.type, item.type))) return false
  if (filter.since !== undefined && item.at < filter.since) return false
  if (filter.until !== undefined && item.at > filter.until) return false
  return true
}
