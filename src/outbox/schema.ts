// The outbox's tables and their migrations. Each outbox is a table in a schema of the caller's
// choosing, with three companions: `<table>_lanes` (which lane a relay last sent from, and what
// may be in flight), `<table>_meta` (the lane count and the outbox's identity) and
// `<table>_migrations` (versions applied).
import { createHash } from 'node:crypto'
import { ident } from '../database/rows.ts'
import type { Database } from '../database/types.ts'
import {
  checkIdentifier,
  migrationSql,
  runMigrations,
  type Migration,
  type MigrationTarget,
} from '../database/migrate.ts'

export interface OutboxNames {
  schema: string
  table: string
  /** `"schema"."table"` and its companions, quoted. */
  outbox: string
  lanes: string
  meta: string
  migrations: string
  /** The NOTIFY channel relays listen on (a plain lower-case identifier every driver accepts). */
  channel: string
  /** The first key of the outbox's advisory locks (the second is the lane, or -1 for membership). */
  lockKey: number
}

export function outboxNames(schema: string, table: string): OutboxNames {
  checkIdentifier('outbox schema', schema)
  checkIdentifier('outbox table', table)
  const hash = createHash('sha256').update(`${schema}.${table}`).digest()
  const q = (suffix: string) => `${ident(schema)}.${ident(table + suffix)}`
  return {
    schema,
    table,
    outbox: q(''),
    lanes: q('_lanes'),
    meta: q('_meta'),
    migrations: q('_migrations'),
    channel: `kafkit_outbox_${hash.subarray(0, 6).toString('hex')}`,
    lockKey: hash.readInt32BE(8),
  }
}

/** Lanes an outbox is split into when it is created: how many relays can share its work. */
export const DEFAULT_LANES = 32

function migrations(n: OutboxNames, lanes: number): Migration[] {
  return [
    {
      version: 1,
      statements: [
        `CREATE TABLE ${n.outbox} (
          id bigserial PRIMARY KEY,
          lane integer NOT NULL,
          topic text NOT NULL,
          partition integer,
          key bytea,
          value bytea NOT NULL,
          headers jsonb NOT NULL,
          event_id text NOT NULL,
          event_type text NOT NULL,
          event_time bigint NOT NULL,
          created_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )`,
        `CREATE INDEX ${ident(`${n.table}_lane_id`)} ON ${n.outbox} (lane, id)`,
        `CREATE TABLE ${n.lanes} (
          lane integer PRIMARY KEY,
          intent jsonb,
          intent_owner text,
          intent_deadline timestamptz
        )`,
        `INSERT INTO ${n.lanes} (lane) SELECT generate_series(0, ${lanes - 1})`,
        `CREATE TABLE ${n.meta} (
          singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
          instance_id text NOT NULL,
          lanes integer NOT NULL CHECK (lanes > 0)
        )`,
        `INSERT INTO ${n.meta} (instance_id, lanes) VALUES (md5(random()::text || clock_timestamp()::text), ${lanes})`,
      ],
    },
  ]
}

export const SCHEMA_VERSION = 1

function target(n: OutboxNames): MigrationTarget {
  return { schema: n.schema, migrations: n.migrations, lockKey: n.lockKey, what: `the outbox ${n.outbox}` }
}

function checkLanes(lanes: number): void {
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 4096) throw new TypeError('lanes must be an integer in 1..4096')
}

/** The statements that bring an empty schema to the current version (for your own migration tool). */
export function migrationStatements(names: OutboxNames, lanes = DEFAULT_LANES): string[] {
  checkLanes(lanes)
  return migrationSql(target(names), migrations(names, lanes))
}

/** Creates or upgrades the outbox tables; returns the versions applied. */
export function migrate(db: Database, names: OutboxNames, lanes = DEFAULT_LANES): Promise<number[]> {
  checkLanes(lanes)
  return runMigrations(db, target(names), migrations(names, lanes))
}
