// Databases for outbox and inbox tests: the real PostgreSQL on 127.0.0.1:5432 (database `test`,
// override with KAFKIT_TEST_DATABASE_URL) with a schema per test, dropped when it ends; or PGlite.
import type { TestContext } from 'node:test'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import postgres from 'postgres'
import { pgDatabase, pgliteDatabase, postgresDatabase, type Database } from 'kafkit/outbox'
import { defer, uniqueName } from '../support/kafka.ts'

export const DATABASE_URL = process.env['KAFKIT_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

export type DriverName = 'pg' | 'postgres' | 'pglite'
export const DRIVERS: readonly DriverName[] = ['pg', 'postgres', 'pglite']

/** A schema name no other test uses (dropped with everything in it when the test ends). */
export function uniqueSchema(prefix = 'kt'): string {
  return uniqueName(prefix).replaceAll('-', '_')
}

export interface TestDatabase {
  db: Database
  schema: string
  /** Runs SQL outside kafkit (checks, fault injection), on the same database. */
  sql: (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>
}

export async function testDatabase(
  t: TestContext,
  driver: DriverName = 'pg',
  url = DATABASE_URL,
): Promise<TestDatabase> {
  const schema = uniqueSchema()
  if (driver === 'pglite') {
    const lite = new PGlite()
    await lite.waitReady
    defer(t, () => lite.close())
    const db = pgliteDatabase(lite)
    return {
      db,
      schema,
      sql: async (text, params = []) => (await lite.query(text, params)).rows as Record<string, unknown>[],
    }
  }
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  admin.on('error', () => undefined)
  defer(t, async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined)
    await admin.end()
  })
  const sql = async (text: string, params: unknown[] = []) =>
    (await admin.query(text, params)).rows as Record<string, unknown>[]
  if (driver === 'pg') {
    const pool = new pg.Pool({ connectionString: url, max: 8 })
    pool.on('error', () => undefined)
    defer(t, () => pool.end())
    return { db: pgDatabase(pool), schema, sql }
  }
  const client = postgres(url, { max: 8, onnotice: () => undefined })
  defer(t, () => client.end({ timeout: 5 }))
  return { db: postgresDatabase(client), schema, sql }
}

/** How many records a topic holds (the sum of its partitions' end offsets; topics here are never truncated). */
export async function recordCount(topic: string): Promise<number> {
  const { Admin } = await import('@platformatic/kafka')
  const { brokers } = await import('../support/kafka.ts')
  const admin = new Admin({ clientId: uniqueName('count'), bootstrapBrokers: brokers() })
  try {
    const metadata = await admin.metadata({ topics: [topic] })
    const partitions = metadata.topics.get(topic)?.partitionsCount ?? 0
    const [offsets] = await admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })),
        },
      ],
    })
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0)
  } finally {
    await admin.close()
  }
}
