// The database surface kafkit's outbox and inbox need, neutral of the driver: a statement in the
// caller's transaction, a transaction of kafkit's own, and a dedicated session (session-level
// advisory locks, LISTEN). One adapter per driver maps it onto `pg`, `postgres` or PGlite.

/** A result row; column values as the driver returned them (see `rows.ts` for the conversions). */
export type Row = Record<string, unknown>

export type DriverName = 'pg' | 'postgres' | 'pglite'

/** One connection held for as long as the caller needs it (a relay holds its advisory locks on it). */
export interface Session {
  query(text: string, params?: readonly unknown[]): Promise<Row[]>
  /** Calls `onNotify` for every NOTIFY on `channel`; the returned function stops listening. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>
  /** Ends the session (its advisory locks are released by the server). Never throws. */
  close(): Promise<void>
}

/**
 * A PostgreSQL database reached through one driver. `Tx` is that driver's transaction handle:
 * what the application passes to `outbox.publish(tx, ...)` and what the inbox hands its handlers.
 */
export interface Database<Tx = unknown> {
  readonly driver: DriverName
  /** Runs one statement in the caller's transaction `tx`. */
  execute(tx: Tx, text: string, params?: readonly unknown[]): Promise<Row[]>
  /** Runs one statement on its own (autocommit). */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>
  /** Runs `fn` in a new transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /** A dedicated connection. */
  session(): Promise<Session>
  /** Closes what kafkit opened (databases from `openDatabase`); a no-op for the caller's own pools. */
  close(): Promise<void>
}

/** The transaction handle type of a database. */
export type TxOf<D> = D extends Database<infer Tx> ? Tx : never
