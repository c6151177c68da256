// Consumer lag per partition: the partition's end offset minus the group's committed offset, for the
// partitions this member owns. Measured on a timer with the member's own wire client (two requests
// per refresh: ListOffsets and OffsetFetch), never on the per-record path; gauges and health read
// the last measurement.
import { errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import { systemClock, type Clock, type Timer } from '../util/clock.ts'
import type { LagReport, PartitionLag } from './health.ts'

/** The offset queries of the wire consumer (`@platformatic/kafka`'s Consumer has them). */
export interface OffsetsClient {
  listOffsets(options: {
    topics: string[]
    partitions?: Record<string, number[]>
    timestamp?: bigint
  }): Promise<Map<string, bigint[]>>
  listCommittedOffsets(options: { topics: { topic: string; partitions: number[] }[] }): Promise<Map<string, bigint[]>>
}

export interface LagSource {
  /** The member's offset queries, or undefined while it is being (re)created. */
  client(): OffsetsClient | undefined
  assigned(): { topic: string; partition: number }[]
  /** The offset this member last committed for the partition, if any. */
  committed(topic: string, partition: number): bigint | undefined
  /** Where a partition without a committed offset starts: its earliest offset, or its end. */
  startsAtEarliest: boolean
}

const EARLIEST = -2n

export class LagMonitor {
  readonly #source: LagSource
  readonly #intervalMs: number
  readonly #log: Logger
  readonly #clock: Clock
  #timer: Timer | undefined
  #refreshing: Promise<void> | undefined
  #report: LagReport | undefined
  #failing = false
  #stopped = false

  constructor(source: LagSource, intervalMs: number, logger: Logger, clock: Clock = systemClock) {
    this.#source = source
    this.#intervalMs = intervalMs
    this.#log = logger
    this.#clock = clock
  }

  start(): void {
    if (this.#timer) return
    this.#stopped = false
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule() {
    // Unref'd: measuring lag never keeps the process alive.
    this.#timer = this.#clock.setTimeout(
      () => {
        if (this.#stopped) return
        void this.refresh().finally(() => {
          if (!this.#stopped) this.#schedule()
        })
      },
      this.#intervalMs,
      { unref: true },
    )
  }

  /** The last measurement (undefined before the first). */
  get report(): LagReport | undefined {
    return this.#report
  }

  partitions(): readonly PartitionLag[] {
    return this.#report?.partitions ?? []
  }

  /** Measures now (one refresh at a time; a call during one waits for it). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#measure().finally(() => (this.#refreshing = undefined))
    return this.#refreshing
  }

  async #measure(): Promise<void> {
    const client = this.#source.client()
    const assigned = this.#source.assigned()
    if (!client) return
    if (assigned.length === 0) {
      this.#report = { total: 0, partitions: [], measuredAt: new Date(this.#clock.now()) }
      return
    }
    const byTopic = new Map<string, number[]>()
    for (const { topic, partition } of assigned) {
      const list = byTopic.get(topic)
      if (list) list.push(partition)
      else byTopic.set(topic, [partition])
    }
    const topics = [...byTopic.keys()]
    const partitions = Object.fromEntries(byTopic)
    try {
      const [ends, committed] = await Promise.all([
        client.listOffsets({ topics, partitions }),
        client.listCommittedOffsets({ topics: [...byTopic].map(([topic, list]) => ({ topic, partitions: list })) }),
      ])
      const positions = assigned.map(({ topic, partition }) =>
        maxOffset(this.#source.committed(topic, partition), committed.get(topic)?.[partition]),
      )
      let starts: Map<string, bigint[]> | undefined
      if (positions.includes(undefined) && this.#source.startsAtEarliest) {
        starts = await client.listOffsets({ topics, partitions, timestamp: EARLIEST })
      }
      const out: PartitionLag[] = []
      let total = 0
      assigned.forEach(({ topic, partition }, i) => {
        const end = ends.get(topic)?.[partition]
        if (end === undefined) return
        // Nothing committed yet: the member starts at the earliest offset (or at the end, when new
        // groups start at the latest).
        const position = positions[i] ?? starts?.get(topic)?.[partition] ?? end
        const lag = end > position ? Number(end - position) : 0
        total += lag
        out.push({ topic, partition, lag })
      })
      this.#report = { total, partitions: out, measuredAt: new Date(this.#clock.now()) }
      this.#failing = false
    } catch (error) {
      // Keep the last measurement (its measuredAt shows its age); say so once per failing streak.
      // A refresh that was under way when the member stopped fails with its client: not news.
      if (!this.#failing && !this.#stopped)
        this.#log.warn({ err: error }, `consumer lag could not be measured: ${errorMessage(error)}`)
      this.#failing = true
    }
  }
}

function maxOffset(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  const known = (v: bigint | undefined) => v !== undefined && v >= 0n
  if (known(a) && known(b)) return a! > b! ? a : b
  return known(a) ? a : known(b) ? b : undefined
}
