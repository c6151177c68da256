// What the outbox holds: rows waiting and the oldest one's age, read by the outbox and by a relay
// (on its own session). Apart from both, so that the relay does not import the outbox that makes it.
import { numberOf } from '../database/rows.ts'
import type { Row } from '../database/types.ts'
import type { OutboxNames } from './schema.ts'

export interface OutboxStats {
  /** Rows not yet relayed (counted up to 1,000,000). */
  pending: number
  /** Age of the oldest row not yet relayed, in seconds (0 when none). */
  oldestAgeSeconds: number
}

/** Rows waiting and the oldest one's age, through `query` (a pool, or a relay's session). */
export async function readStats(names: OutboxNames, query: (text: string) => Promise<Row[]>): Promise<OutboxStats> {
  const [row] = await query(
    `SELECT count(*)::int AS pending,
            coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 AS age
     FROM (SELECT created_at FROM ${names.outbox} LIMIT 1000000) rows`,
  )
  return { pending: numberOf(row!, 'pending'), oldestAgeSeconds: Math.max(0, numberOf(row!, 'age')) }
}
