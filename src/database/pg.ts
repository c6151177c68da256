// The `pg` (node-postgres) adapter: a Pool for kafkit's own transactions and sessions; the
// caller's transaction is the pool client it called BEGIN on. Typed structurally, so kafkit does
// not depend on `pg` (an optional peer dependency).
import { ident } from './rows.ts'
import type { Database, Row, Session } from './types.ts'

/** A pg client or pool: anything with `query(text, values)`. */
export interface PgQueryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(text: string, values?: any[]): Promise<{ rows: any[] }>
}

export interface PgPoolClient extends PgQueryable {
  release(destroy?: boolean | Error): void
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: 'notification' | 'error', listener: (...args: any[]) => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeListener(event: 'notification' | 'error', listener: (...args: any[]) => void): unknown
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>
  end(): Promise<void>
}

export interface PgDatabaseOptions {
  /** Whether `close()` ends the pool (default false: the pool is the application's). */
  ownsPool?: boolean
}

/**
 * A database on a `pg` Pool. The transaction handle is a pool client inside BEGIN … COMMIT: pass
 * the client you run your own statements on. A relay holds one client of the pool for its session.
 */
export function pgDatabase(pool: PgPool, options: PgDatabaseOptions = {}): Database<PgQueryable> {
  return {
    driver: 'pg',
    async execute(tx, text, params = []) {
      return (await tx.query(text, [...params])).rows as Row[]
    },
    async query(text, params = []) {
      return (await pool.query(text, [...params])).rows as Row[]
    },
    async transaction(fn) {
      const client = await pool.connect()
      let broken: unknown
      const onError = (error: Error) => (broken = error)
      client.on('error', onError)
      try {
        await client.query('BEGIN')
        const result = await fn(client)
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken ??= rollbackError))
        throw error
      } finally {
        client.removeListener('error', onError)
        // A client whose connection failed must not go back to the pool.
        client.release(broken === undefined ? undefined : true)
      }
    },
    async session() {
      return pgSession(await pool.connect())
    },
    async close() {
      if (options.ownsPool) await pool.end()
    },
  }
}

function pgSession(client: PgPoolClient): Session {
  let lost = false
  // An idle client whose server went away emits 'error': without a listener that kills the process.
  const onError = () => (lost = true)
  client.on('error', onError)
  const listeners = new Set<(message: { channel: string }) => void>()
  return {
    async query(text, params = []) {
      return (await client.query(text, [...params])).rows as Row[]
    },
    async listen(channel, onNotify) {
      const listener = (message: { channel: string }) => {
        if (message.channel === channel) onNotify()
      }
      client.on('notification', listener)
      listeners.add(listener)
      await client.query(`LISTEN ${ident(channel)}`)
      return async () => {
        client.removeListener('notification', listener)
        listeners.delete(listener)
        if (!lost) await client.query(`UNLISTEN ${ident(channel)}`).catch(() => undefined)
      }
    },
    close() {
      for (const listener of listeners) client.removeListener('notification', listener)
      listeners.clear()
      // Destroyed, not returned to the pool: its advisory locks and LISTENs end with it.
      client.release(true)
      client.removeListener('error', onError)
      return Promise.resolve()
    },
  }
}
