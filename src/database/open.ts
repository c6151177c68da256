// openDatabase: a real PostgreSQL when a URL is given (DATABASE_URL), else an embedded PGlite, so
// that examples and development need no server. The drivers are optional peer dependencies,
// loaded only when used.
import { ConfigError, errorMessage } from '../errors.ts'
import { pgDatabase, type PgPool, type PgQueryable } from './pg.ts'
import { pgliteDatabase, type PGliteLike, type PGliteQueryable } from './pglite.ts'
import type { Database } from './types.ts'

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection URL. Default: the DATABASE_URL variable; without either, PGlite. */
  url?: string | undefined
  /** Where PGlite keeps its files; default in memory (lost when the process ends). */
  dataDir?: string | undefined
  /** Connections of the `pg` pool. Default 10. */
  maxConnections?: number
  env?: NodeJS.ProcessEnv
}

/** The transaction handle of a database from `openDatabase` (a pg client or a PGlite transaction). */
export type OpenedTx = PgQueryable | PGliteQueryable

export interface OpenedDatabase extends Database<OpenedTx> {
  /** Where it is: the URL without its password, or `pglite:memory` / `pglite:<dir>`. */
  readonly location: string
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const url = options.url ?? (options.env ?? process.env)['DATABASE_URL']
  if (url) {
    const pg = await importDriver<{ default: { Pool: new (config: object) => PgPool } }>('pg', url)
    const pool = pg.default.Pool
    const instance = new pool({ connectionString: url, max: options.maxConnections ?? 10 })
    // An idle pooled client whose server went away emits 'error' on the pool: never fatal here.
    ;(instance as unknown as { on(event: 'error', listener: () => void): void }).on('error', () => undefined)
    return { ...pgDatabase(instance, { ownsPool: true }), location: redactUrl(url) }
  }
  const { PGlite } = await importDriver<{
    PGlite: new (dataDir?: string) => PGliteLike & { waitReady: Promise<void> }
  }>('@electric-sql/pglite')
  const db = new PGlite(options.dataDir)
  await db.waitReady
  return { ...pgliteDatabase(db, { ownsDb: true }), location: `pglite:${options.dataDir ?? 'memory'}` }
}

async function importDriver<T>(name: string, url?: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (error) {
    const why = url ? `DATABASE_URL is set, which needs the "${name}" package` : `an embedded database needs "${name}"`
    throw new ConfigError(`${why}: npm install ${name} (${errorMessage(error)})`, [], { cause: error })
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparsable database URL)'
  }
}
