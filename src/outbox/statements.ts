// The relay's statements. Lane and id lists travel as comma-separated text (string_to_array), which
// every driver passes alike; JSON as text cast to jsonb (postgres.js would encode a string twice).
import { ROW_COLUMNS } from './rows.ts'
import type { OutboxNames } from './schema.ts'

/**
 * Picks up to $2 rows of lanes $1, oldest first, and records the intent $3 (owner $4, deadline in
 * $5 ms) on the lanes of the rows picked, in one statement. Returns the rows (ROW_COLUMNS).
 */
export function pickStatement(n: OutboxNames): string {
  return `WITH picked AS (
      SELECT * FROM ${n.outbox}
      WHERE lane = ANY(string_to_array($1, ',')::int[]) ORDER BY id LIMIT $2),
    intent AS (
      UPDATE ${n.lanes}
      SET intent = $3::text::jsonb, intent_owner = $4,
          intent_deadline = clock_timestamp() + make_interval(secs => $5::float8 / 1000)
      WHERE lane IN (SELECT lane FROM picked))
    SELECT ${ROW_COLUMNS} FROM picked ORDER BY picked.id`
}

/** Replaces the intent of lanes $1 with $2 (after learning the end offsets of a new topic). */
export function intentStatement(n: OutboxNames): string {
  return `UPDATE ${n.lanes} SET intent = $2::text::jsonb WHERE lane = ANY(string_to_array($1, ',')::int[])`
}

/** Deletes rows $1 (acknowledged) and clears the intent of lanes $2. Returns each row's age in seconds. */
export function deleteStatement(n: OutboxNames): string {
  return `WITH gone AS (
      DELETE FROM ${n.outbox} WHERE id = ANY(string_to_array($1, ',')::bigint[])
      RETURNING extract(epoch FROM clock_timestamp() - created_at)::float8 AS age),
    cleared AS (
      UPDATE ${n.lanes} SET intent = NULL, intent_owner = NULL, intent_deadline = NULL
      WHERE lane = ANY(string_to_array($2, ',')::int[]))
    SELECT age FROM gone`
}

/** Deletes rows $1 of lanes $2 (found in Kafka by recovery) and clears those lanes' intent. */
export function recoverStatement(n: OutboxNames): string {
  return `WITH gone AS (
      DELETE FROM ${n.outbox}
      WHERE id = ANY(string_to_array($1, ',')::bigint[]) AND lane = ANY(string_to_array($2, ',')::int[])
      RETURNING 1),
    cleared AS (
      UPDATE ${n.lanes} SET intent = NULL, intent_owner = NULL, intent_deadline = NULL
      WHERE lane = ANY(string_to_array($2, ',')::int[]))
    SELECT count(*)::int AS deleted FROM gone`
}
