// PostgreSQL for the outbox and the inbox, whatever the driver: `pg`, `postgres` or PGlite.
export type { Database, DriverName, Row, Session, TxOf } from './types.ts'
export { pgDatabase, type PgDatabaseOptions, type PgPool, type PgPoolClient, type PgQueryable } from './pg.ts'
export {
  postgresDatabase,
  type PostgresDatabaseOptions,
  type PostgresQueryable,
  type PostgresReserved,
  type PostgresSql,
} from './postgres.ts'
export { pgliteDatabase, type PGliteDatabaseOptions, type PGliteLike, type PGliteQueryable } from './pglite.ts'
export { openDatabase, redactUrl, type OpenDatabaseOptions, type OpenedDatabase, type OpenedTx } from './open.ts'
