// Versioned migrations of kafkit's own tables (outbox, inbox): each applied once, in order, in one
// transaction, under an advisory lock so that services starting together do not race.
import { databaseError } from './errors.ts'
import { ident } from './rows.ts'
import type { Database } from './types.ts'

export interface Migration {
  version: number
  statements: string[]
}

export interface MigrationTarget {
  schema: string
  /** The quoted, schema-qualified table recording applied versions. */
  migrations: string
  /** First key of the advisory lock taken while migrating. */
  lockKey: number
  /** For error messages. */
  what: string
}

/** Every statement, for applications that run migrations with their own tool. */
export function migrationSql(target: MigrationTarget, migrations: readonly Migration[]): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${ident(target.schema)}`,
    createMigrationsTable(target),
    ...migrations.flatMap((m) => [...m.statements, `INSERT INTO ${target.migrations} (version) VALUES (${m.version})`]),
  ]
}

/** Applies the migrations not applied yet; returns their versions. */
export async function runMigrations(
  db: Database,
  target: MigrationTarget,
  migrations: readonly Migration[],
): Promise<number[]> {
  try {
    return await db.transaction(async (tx) => {
      await db.execute(tx, 'SELECT pg_advisory_xact_lock($1, -2)', [target.lockKey])
      await db.execute(tx, `CREATE SCHEMA IF NOT EXISTS ${ident(target.schema)}`)
      await db.execute(tx, createMigrationsTable(target))
      const rows = await db.execute(tx, `SELECT version FROM ${target.migrations}`)
      const applied = new Set(rows.map((r) => Number(r['version'])))
      const done: number[] = []
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue
        for (const statement of migration.statements) await db.execute(tx, statement)
        await db.execute(tx, `INSERT INTO ${target.migrations} (version) VALUES ($1)`, [migration.version])
        done.push(migration.version)
      }
      return done
    })
  } catch (error) {
    throw databaseError(`migrating ${target.what}`, error)
  }
}

function createMigrationsTable(target: MigrationTarget): string {
  return `CREATE TABLE IF NOT EXISTS ${target.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/

/** Schema and table names come from options: they must be plain identifiers. */
export function checkIdentifier(what: string, name: string): void {
  if (!NAME.test(name)) throw new TypeError(`${what} "${name}" must be an SQL identifier (letters, digits, _)`)
}
