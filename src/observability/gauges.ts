// The sources of kafkit's observable gauges (in flight, assigned partitions, lag, producer
// outstanding), read when a metric reader collects. The OpenTelemetry JS SDK keeps exporting the last
// value of a series that a callback stops observing, so a partition moved to another member, or a
// stopped consumer, would report its last lag forever (and a group's summed lag would never reach 0).
// So a series that disappears is observed as 0 for a while, long enough for every reader to collect
// it, and only then forgotten.
import type { Attributes, ObservableResult } from '@opentelemetry/api'
import { Attr } from './names.ts'

/** A consumer group member whose gauges are read at collection time. */
export interface GaugeSource {
  readonly group: string
  inFlight(): number
  assignedCount(): number
  /** The last lag measurement per partition (empty before the first one). */
  lag(): Iterable<{ topic: string; partition: number; lag: number }>
}

/** A producer whose accepted-but-unsettled records are read at collection time. */
export interface ProducerGaugeSource {
  readonly service: string
  outstanding(): number
}

/** How long a vanished series is reported as 0 (longer than any sensible export interval). */
export const RETIRED_SERIES_MS = 10 * 60_000

interface Member {
  source: GaugeSource
  attributes: Attributes
  /** When the member stopped (its gauges then read 0 until the grace period ends). */
  retiredAt: number | undefined
  /** Partitions whose lag was reported, and until when a vanished one is still reported as 0. */
  partitions: Map<string, { attributes: Attributes; zeroUntil: number }>
}

const members = new Set<Member>()
const producers = new Map<ProducerGaugeSource, { retiredAt: number | undefined }>()

/** Registers a member's gauges; the returned function retires them (on stop). */
export function addMember(source: GaugeSource): () => void {
  const member: Member = {
    source,
    attributes: { [Attr.messagingSystem]: 'kafka', [Attr.consumerGroup]: source.group },
    retiredAt: undefined,
    partitions: new Map(),
  }
  members.add(member)
  return () => {
    member.retiredAt ??= Date.now()
  }
}

export function addProducer(source: ProducerGaugeSource): () => void {
  const state = { retiredAt: undefined as number | undefined }
  producers.set(source, state)
  return () => {
    state.retiredAt ??= Date.now()
  }
}

function live(now: number): Member[] {
  const out: Member[] = []
  for (const member of members) {
    if (member.retiredAt !== undefined && now - member.retiredAt > RETIRED_SERIES_MS) members.delete(member)
    else out.push(member)
  }
  return out
}

export function observeInFlight(result: ObservableResult): void {
  for (const m of live(Date.now())) result.observe(m.retiredAt === undefined ? m.source.inFlight() : 0, m.attributes)
}

export function observeAssigned(result: ObservableResult): void {
  for (const m of live(Date.now())) {
    result.observe(m.retiredAt === undefined ? m.source.assignedCount() : 0, m.attributes)
  }
}

export function observeLag(result: ObservableResult): void {
  const now = Date.now()
  for (const m of live(now)) {
    const seen = new Set<string>()
    if (m.retiredAt === undefined) {
      for (const { topic, partition, lag } of m.source.lag()) {
        const key = `${topic}\u0000${partition}`
        seen.add(key)
        let known = m.partitions.get(key)
        if (!known) {
          known = {
            attributes: { ...m.attributes, [Attr.destination]: topic, [Attr.partition]: String(partition) },
            zeroUntil: Infinity,
          }
          m.partitions.set(key, known)
        }
        known.zeroUntil = Infinity
        result.observe(lag, known.attributes)
      }
    }
    for (const [key, known] of m.partitions) {
      if (seen.has(key)) continue
      if (known.zeroUntil === Infinity) known.zeroUntil = now + RETIRED_SERIES_MS
      if (now < known.zeroUntil) result.observe(0, known.attributes)
      else m.partitions.delete(key)
    }
  }
}

export function observeOutstanding(result: ObservableResult): void {
  const now = Date.now()
  for (const [source, state] of producers) {
    if (state.retiredAt !== undefined && now - state.retiredAt > RETIRED_SERIES_MS) producers.delete(source)
    else result.observe(state.retiredAt === undefined ? source.outstanding() : 0, { [Attr.service]: source.service })
  }
}
