// The PGlite adapter: PostgreSQL compiled to WebAssembly, in the process, for development and tests
// without a server. It has a single connection, so the "session" is the database itself and
// statements of the relay and of the application's transactions take turns.
import type { Database, Row, Session } from './types.ts'

export interface PGliteQueryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(text: string, params?: any[]): Promise<{ rows: any[] }>
}

export interface PGliteLike extends PGliteQueryable {
  transaction<T>(fn: (tx: PGliteQueryable) => Promise<T>): Promise<T>
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

export interface PGliteDatabaseOptions {
  /** Whether `close()` closes the PGlite instance (default false: it is the application's). */
  ownsDb?: boolean
}

export function pgliteDatabase(db: PGliteLike, options: PGliteDatabaseOptions = {}): Database<PGliteQueryable> {
  return {
    driver: 'pglite',
    async execute(tx, text, params = []) {
      return (await tx.query(text, [...params])).rows as Row[]
    },
    async query(text, params = []) {
      return (await db.query(text, [...params])).rows as Row[]
    },
    transaction(fn) {
      return db.transaction(fn)
    },
    session() {
      const stops = new Set<() => Promise<void>>()
      return Promise.resolve({
        async query(text, params = []) {
          return (await db.query(text, [...params])).rows as Row[]
        },
        async listen(channel, onNotify) {
          const unlisten = await db.listen(channel, () => onNotify())
          stops.add(unlisten)
          return async () => {
            stops.delete(unlisten)
            await unlisten().catch(() => undefined)
          }
        },
        async close() {
          await Promise.all([...stops].map((stop) => stop().catch(() => undefined)))
          stops.clear()
        },
      } satisfies Session)
    },
    async close() {
      if (options.ownsDb) await db.close()
    },
  }
}
