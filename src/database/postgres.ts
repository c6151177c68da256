// The `postgres` (porsager/postgres.js) adapter: `sql.begin` for kafkit's own transactions, a
// reserved connection for a session, `sql.listen` (its own connection, re-established by the
// driver) for notifications. The caller's transaction is the `sql` that `sql.begin` hands it.
// Typed structurally, so kafkit does not depend on `postgres` (an optional peer dependency).
import type { Database, Row } from './types.ts'

/** A postgres.js `sql` or transaction `sql`: anything with `unsafe(text, params)`. */
export interface PostgresQueryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  unsafe(text: string, params?: any[]): PromiseLike<readonly any[]>
}

export interface PostgresReserved extends PostgresQueryable {
  release(): void
}

export interface PostgresSql extends PostgresQueryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  begin<T>(fn: (tx: any) => T | Promise<T>): Promise<any>
  reserve(): Promise<PostgresReserved>
  listen(channel: string, onNotify: (payload: string) => void): Promise<{ unlisten(): Promise<void> }>
  end(options?: { timeout?: number }): Promise<void>
}

export interface PostgresDatabaseOptions {
  /** Whether `close()` ends the `sql` instance (default false: it is the application's). */
  ownsSql?: boolean
}

export function postgresDatabase(sql: PostgresSql, options: PostgresDatabaseOptions = {}): Database<PostgresQueryable> {
  return {
    driver: 'postgres',
    async execute(tx, text, params = []) {
      return rows(await tx.unsafe(text, [...params]))
    },
    async query(text, params = []) {
      return rows(await sql.unsafe(text, [...params]))
    },
    transaction<T>(fn: (tx: PostgresQueryable) => Promise<T>): Promise<T> {
      return sql.begin((tx: PostgresQueryable) => fn(tx)) as Promise<T>
    },
    async session() {
      const reserved = await sql.reserve()
      const listening = new Set<{ unlisten(): Promise<void> }>()
      return {
        async query(text, params = []) {
          return rows(await reserved.unsafe(text, [...params]))
        },
        async listen(channel, onNotify) {
          const handle = await sql.listen(channel, () => onNotify())
          listening.add(handle)
          return async () => {
            listening.delete(handle)
            await handle.unlisten().catch(() => undefined)
          }
        },
        async close() {
          await Promise.all([...listening].map((h) => h.unlisten().catch(() => undefined)))
          listening.clear()
          // Advisory locks are per connection: a released connection would keep them, so the
          // relay unlocks before it closes; a connection that broke took its locks with it.
          reserved.release()
        },
      }
    },
    async close() {
      if (options.ownsSql) await sql.end({ timeout: 5 })
    },
  }
}

function rows(result: readonly unknown[]): Row[] {
  return [...result] as Row[]
}
