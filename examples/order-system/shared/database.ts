// Each service's database: PostgreSQL at DATABASE_URL when it is set (each service in its own
// schema, so the three can share one database), else an embedded PGlite in the process, which
// needs nothing installed and keeps its data in memory until the service stops.
import { openDatabase, type OpenedDatabase } from 'kafkit/outbox'

export interface ServiceDatabase {
  db: OpenedDatabase
  /** The service's schema: `<namespace>_<service>`, e.g. `shop_order_service`. */
  schema: string
}

export async function openServiceDatabase(service: string, namespace: string, url?: string): Promise<ServiceDatabase> {
  const db = await openDatabase({ url })
  const schema = `${namespace}_${service}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
  return { db, schema }
}
