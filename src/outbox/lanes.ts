// Which lanes of the outbox this relay owns. Every row is in one lane (a hash of its key), and a
// lane is relayed by one relay at a time: the holder of its session-level advisory lock. So rows
// of one key always go through one relay, in order, however many relays run; SKIP LOCKED on rows
// could not promise that (two relays would send one key's rows side by side). Relays announce
// themselves with a shared lock; each takes about lanes / relays lanes and gives back the rest.
import type { Session } from '../database/types.ts'
import { numberOf, textOf } from '../database/rows.ts'
import type { OutboxNames } from './schema.ts'
import type { EndOffsets } from './readback.ts'

/** What may be in flight from a lane: left by a relay that sent and had not yet deleted the rows. */
export interface Intent {
  /** End offsets of the topics before the send: the rows, if written, are at or after them. */
  offsets: EndOffsets
  /** The relay that wrote it. */
  owner: string
  /** Milliseconds until its send can no longer land (<= 0: already). */
  remainingMs: number
}

const MEMBER = -1

export class Lanes {
  readonly #session: Session
  readonly #names: OutboxNames
  readonly total: number

  constructor(session: Session, names: OutboxNames, total: number) {
    this.#session = session
    this.#names = names
    this.total = total
  }

  /** Counts this relay among the outbox's relays until its session ends. */
  async join(): Promise<void> {
    await this.#session.query('SELECT pg_advisory_lock_shared($1, $2)', [this.#names.lockKey, MEMBER])
  }

  async leave(): Promise<void> {
    await this.#session.query('SELECT pg_advisory_unlock_shared($1, $2)', [this.#names.lockKey, MEMBER])
  }

  /** The relays running now, and the lanes nobody holds. */
  async survey(): Promise<{ relays: number; free: number[] }> {
    const rows = await this.#session.query(
      `SELECT objid::bigint AS lane, count(*)::int AS holders FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid::bigint = ($1::bigint & 4294967295)
       GROUP BY objid`,
      [this.#names.lockKey],
    )
    const held = new Set<number>()
    let relays = 1
    for (const row of rows) {
      const lane = Number(row['lane'])
      if (lane === 4294967295) relays = Math.max(1, numberOf(row, 'holders'))
      else held.add(lane)
    }
    const free: number[] = []
    for (let lane = 0; lane < this.total; lane++) if (!held.has(lane)) free.push(lane)
    return { relays, free }
  }

  /** Tries to take `lane`; false when another relay holds it. */
  async tryTake(lane: number): Promise<boolean> {
    const [row] = await this.#session.query('SELECT pg_try_advisory_lock($1, $2) AS taken', [this.#names.lockKey, lane])
    return row?.['taken'] === true
  }

  async give(lane: number): Promise<void> {
    await this.#session.query('SELECT pg_advisory_unlock($1, $2)', [this.#names.lockKey, lane])
  }

  /** The intents left on these lanes (lanes without one are clean). */
  async intents(lanes: readonly number[]): Promise<Map<number, Intent>> {
    const rows = await this.#session.query(
      `SELECT lane, intent::text AS intent, intent_owner,
              (extract(epoch FROM intent_deadline - clock_timestamp()) * 1000)::float8 AS remaining
       FROM ${this.#names.lanes}
       WHERE lane = ANY(string_to_array($1, ',')::int[]) AND intent IS NOT NULL`,
      [lanes.join(',')],
    )
    const out = new Map<number, Intent>()
    for (const row of rows) {
      out.set(numberOf(row, 'lane'), {
        offsets: parseOffsets(textOf(row, 'intent')),
        owner: textOf(row, 'intent_owner'),
        remainingMs: numberOf(row, 'remaining'),
      })
    }
    return out
  }
}

export function serializeOffsets(offsets: EndOffsets): string {
  const out: Record<string, string[]> = {}
  for (const [topic, list] of offsets) out[topic] = list.map(String)
  return JSON.stringify({ offsets: out })
}

export function parseOffsets(text: string): EndOffsets {
  const parsed = JSON.parse(text) as { offsets?: Record<string, string[]> }
  const out: EndOffsets = new Map()
  for (const [topic, list] of Object.entries(parsed.offsets ?? {}))
    out.set(
      topic,
      list.map((o) => BigInt(o)),
    )
  return out
}

/** The lowest offset of each partition over several intents (where a scan must start). */
export function mergeOffsets(all: Iterable<EndOffsets>): EndOffsets {
  const out: EndOffsets = new Map()
  for (const offsets of all) {
    for (const [topic, list] of offsets) {
      const merged = out.get(topic)
      if (!merged) out.set(topic, [...list])
      else list.forEach((o, p) => (merged[p] = merged[p] === undefined || o < merged[p] ? o : merged[p]))
    }
  }
  return out
}
