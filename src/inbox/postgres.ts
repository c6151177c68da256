// The PostgreSQL inbox: an idempotent consumer. Before a handler runs, the middleware opens a
// database transaction and inserts (group, event id) into the inbox table; the handler does its
// own writes in that same transaction (`inbox.transaction(ctx)`), and both commit together. An
// event whose id is already there was handled: it is acknowledged without calling the handler.
// If the handler fails, the transaction rolls back, the mark with it, and the retry runs afresh.
import { createHash } from 'node:crypto'
import type { HandlerContext, Handler, Middleware, ConsumedEvent } from '../consumer/types.ts'
import { databaseError } from '../database/errors.ts'
import {
  checkIdentifier,
  migrationSql,
  runMigrations,
  type Migration,
  type MigrationTarget,
} from '../database/migrate.ts'
import { ident, numberOf } from '../database/rows.ts'
import type { Database } from '../database/types.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { inboxDuplicate } from '../observability/outbox.ts'
import { parseDuration, type Duration } from '../util/duration.ts'

export interface InboxOptions<Tx> {
  database: Database<Tx>
  /** Default `public`. */
  schema?: string
  /** Default `kafkit_inbox`. */
  table?: string
}

/** A handler that also receives the inbox's transaction. */
export type TransactionalHandler<TEvent, Tx> = (event: TEvent, ctx: HandlerContext, tx: Tx) => void | Promise<void>

export class Inbox<Tx = unknown> {
  readonly database: Database<Tx>
  readonly table: string
  readonly #target: MigrationTarget
  readonly #schema: string
  readonly #name: string
  readonly #open = new WeakMap<HandlerContext, Tx>()

  constructor(options: InboxOptions<Tx>) {
    this.database = options.database
    this.#schema = options.schema ?? 'public'
    this.#name = options.table ?? 'kafkit_inbox'
    checkIdentifier('inbox schema', this.#schema)
    checkIdentifier('inbox table', this.#name)
    this.table = `${ident(this.#schema)}.${ident(this.#name)}`
    this.#target = {
      schema: this.#schema,
      migrations: `${ident(this.#schema)}.${ident(`${this.#name}_migrations`)}`,
      lockKey: createHash('sha256').update(`inbox:${this.#schema}.${this.#name}`).digest().readInt32BE(0),
      what: `the inbox ${this.table}`,
    }
  }

  migrate(): Promise<number[]> {
    return runMigrations(this.database, this.#target, this.#migrations())
  }

  migrationSql(): string[] {
    return migrationSql(this.#target, this.#migrations())
  }

  /** Deduplicates every handler of the consumer it is added to (`consumer.use(inbox.middleware())`). */
  middleware(): Middleware {
    return (next: Handler) => (event, ctx) => this.#run(event, ctx, () => next(event, ctx))
  }

  /** Deduplicates one handler, which gets the transaction as its third argument. */
  handle<TEvent extends ConsumedEvent>(
    handler: TransactionalHandler<TEvent, Tx>,
  ): (event: TEvent, ctx: HandlerContext) => Promise<void> {
    return (event, ctx) => this.#run(event, ctx, (tx) => handler(event, ctx, tx))
  }

  /** The transaction of the handling in progress: write your changes with it so they commit with the mark. */
  transaction(ctx: HandlerContext): Tx {
    const tx = this.#open.get(ctx)
    if (tx === undefined) {
      throw new KafkitError(
        ErrorCodes.CONSUMER_STATE,
        'inbox.transaction(ctx) is only available inside a handler wrapped by this inbox (middleware or handle)',
      )
    }
    return tx
  }

  /** Whether group `group` handled event `eventId`. */
  async has(group: string, eventId: string): Promise<boolean> {
    try {
      const rows = await this.database.query(`SELECT 1 FROM ${this.table} WHERE group_id = $1 AND event_id = $2`, [
        group,
        eventId,
      ])
      return rows.length > 0
    } catch (error) {
      throw databaseError(`reading the inbox ${this.table}`, error)
    }
  }

  /**
   * Forgets events handled longer ago than `olderThan` (a redelivery older than that would be handled
   * again: keep it longer than the topic's retention, or than any replay you may run). Returns the
   * rows deleted.
   */
  async prune(olderThan: Duration): Promise<number> {
    const ms = parseDuration(olderThan)
    if (ms === undefined)
      throw new KafkitError(ErrorCodes.CONFIG_INVALID, `inbox prune: "${String(olderThan)}" is not a duration`)
    try {
      const [row] = await this.database.query(
        `WITH gone AS (DELETE FROM ${this.table} WHERE handled_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000) RETURNING 1)
         SELECT count(*)::int AS deleted FROM gone`,
        [ms],
      )
      return numberOf(row!, 'deleted')
    } catch (error) {
      throw databaseError(`pruning the inbox ${this.table}`, error)
    }
  }

  async #run(event: ConsumedEvent, ctx: HandlerContext, body: (tx: Tx) => void | Promise<void>): Promise<void> {
    const first = await this.database.transaction(async (tx) => {
      let rows
      try {
        rows = await this.database.execute(
          tx,
          `INSERT INTO ${this.table} (group_id, event_id, event_type) VALUES ($1, $2, $3)
           ON CONFLICT (group_id, event_id) DO NOTHING RETURNING 1`,
          [ctx.group, event.id, event.type],
        )
      } catch (error) {
        throw databaseError(`marking event ${event.id} in the inbox ${this.table}`, error)
      }
      if (rows.length === 0) return false
      this.#open.set(ctx, tx)
      try {
        await body(tx)
      } finally {
        this.#open.delete(ctx)
      }
      // An attempt the consumer gave up on (timeout, shutdown) must not commit behind its back.
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('the handling was aborted')
      return true
    })
    if (!first) {
      ctx.logger.debug({ store: 'postgres' }, 'event already handled by this group: acknowledged without handling')
      inboxDuplicate(ctx.group, 'postgres')
    }
  }

  #migrations(): Migration[] {
    return [
      {
        version: 1,
        statements: [
          `CREATE TABLE ${this.table} (
            group_id text NOT NULL,
            event_id text NOT NULL,
            event_type text NOT NULL,
            handled_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (group_id, event_id)
          )`,
          `CREATE INDEX ${ident(`${this.#name}_handled_at`)} ON ${this.table} (handled_at)`,
        ],
      },
    ]
  }
}

export function createInbox<Tx>(options: InboxOptions<Tx>): Inbox<Tx> {
  return new Inbox(options)
}
