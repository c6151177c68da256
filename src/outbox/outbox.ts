// The transactional outbox: `publish(tx, Event, payload)` validates and encodes the event exactly
// as the producer would (same envelope, key and headers: the producer's own prepare step) and
// writes it as a row in the caller's database transaction. The row becomes visible when that
// transaction commits and disappears with it when it rolls back; a relay then moves it to Kafka.
import type { AnyEvent, InputOf } from '../catalog/event.ts'
import type { ClientOptions } from '../config/client.ts'
import { databaseError } from '../database/errors.ts'
import type { Database } from '../database/types.ts'
import type { EnvelopeCodec } from '../envelope/codec.ts'
import type { CodecName } from '../envelope/registry.ts'
import { resolveCodec } from '../envelope/registry.ts'
import { startOutboxWrite } from '../observability/outbox.ts'
import { PRODUCER_DEFAULTS } from '../producer/options.ts'
import { prepareEvent, type Prepared, type PreparedEvent, type PrepareSettings } from '../producer/prepare.ts'
import type { PublishOptions } from '../producer/types.ts'
import { Relay } from './relay.ts'
import { readStats, type OutboxStats } from './stats.ts'
import type { RelayOptions } from './relay-options.ts'
import { storeHeaders } from './rows.ts'
import { DEFAULT_LANES, migrate, migrationStatements, outboxNames, type OutboxNames } from './schema.ts'

export interface OutboxOptions<Tx> {
  database: Database<Tx>
  /** The producing service: the envelope's `source`. */
  service: string
  /** Kafka connection settings for relays (a relay may also be given its own). */
  client?: ClientOptions
  /** Default `public`. */
  schema?: string
  /** Default `kafkit_outbox`. */
  table?: string
  /** Wire format of topics that do not choose one. Default `json`, as the producer's. */
  codec?: CodecName | EnvelopeCodec
  /** Largest record accepted (key, value, headers). Default 1 MiB, as the producer's. */
  maxRecordBytes?: number
  /** NOTIFY relays when a transaction with outbox rows commits. Default true. */
  notify?: boolean
}

/** Options of an outbox publish: those of a producer publish but the deadline (nothing is sent yet). */
export type OutboxPublishOptions = Omit<PublishOptions, 'deliveryTimeout' | 'deadlineMs'>

export interface OutboxItem<E extends AnyEvent = AnyEvent> {
  event: E
  payload: InputOf<E>
  options?: OutboxPublishOptions
}

/** What an outbox publish wrote: the event as it will reach Kafka once its transaction commits. */
export interface OutboxEntry {
  eventId: string
  topic: string
  key: string | undefined
}

export type CheckedOutboxItems<T extends readonly OutboxItem[]> = {
  [K in keyof T]: T[K] extends { event: infer E extends AnyEvent } ? OutboxItem<E> : never
}

/** Parameters per row. */
const COLUMNS = 10
const MAX_ROWS_PER_STATEMENT = 5000

export class Outbox<Tx = unknown> {
  readonly service: string
  readonly names: OutboxNames
  readonly database: Database<Tx>
  readonly client: ClientOptions | undefined
  readonly #settings: PrepareSettings
  readonly #notify: boolean

  constructor(options: OutboxOptions<Tx>) {
    this.service = options.service
    this.database = options.database
    this.client = options.client
    this.names = outboxNames(options.schema ?? 'public', options.table ?? 'kafkit_outbox')
    this.#settings = {
      service: options.service,
      codec: resolveCodec(options.codec),
      maxRecordBytes: options.maxRecordBytes ?? PRODUCER_DEFAULTS.maxRecordBytes,
    }
    this.#notify = options.notify ?? true
  }

  /** Creates or upgrades the outbox tables. `lanes` is used only when they are created. */
  migrate(options: { lanes?: number } = {}): Promise<number[]> {
    return migrate(this.database, this.names, options.lanes ?? DEFAULT_LANES)
  }

  /** The SQL `migrate()` runs, for applications that run migrations with their own tool. */
  migrationSql(options: { lanes?: number } = {}): string[] {
    return migrationStatements(this.names, options.lanes ?? DEFAULT_LANES)
  }

  /**
   * Writes the event in the caller's transaction `tx`. Throws, writing nothing, when the payload or
   * envelope is invalid or the record too large: the same checks as a producer publish.
   */
  async publish<E extends AnyEvent>(
    tx: Tx,
    event: E,
    payload: InputOf<E>,
    options?: OutboxPublishOptions,
  ): Promise<OutboxEntry> {
    const [entry] = await this.#write(tx, [{ event, payload, ...(options && { options }) }])
    return entry!
  }

  /** Writes several events in one statement, in order (per key, they reach Kafka in this order). */
  async publishBatch<const T extends readonly OutboxItem[]>(
    tx: Tx,
    items: T & CheckedOutboxItems<T>,
  ): Promise<OutboxEntry[]> {
    return this.#write(tx, items as readonly OutboxItem[])
  }

  /** How far behind the relays are. */
  async stats(): Promise<OutboxStats> {
    try {
      return await readStats(this.names, (text) => this.database.query(text))
    } catch (error) {
      throw databaseError(`reading the outbox ${this.names.outbox}`, error)
    }
  }

  /** A relay for this outbox; start it to move rows to Kafka. */
  relay(options: RelayOptions = {}): Relay {
    return new Relay(this, options)
  }

  async #write(tx: Tx, items: readonly OutboxItem[]): Promise<OutboxEntry[]> {
    if (items.length === 0) return []
    const topics = new Set(items.map((i) => i.event.topic.name))
    const types = new Set(items.map((i) => i.event.type))
    const span = startOutboxWrite(
      topics.size === 1 ? items[0]!.event.topic.name : undefined,
      items.length,
      types.size === 1 ? items[0]!.event.type : undefined,
    )
    try {
      const entries: OutboxEntry[] = []
      // PostgreSQL takes at most 65,535 parameters per statement.
      for (let at = 0; at < items.length; at += MAX_ROWS_PER_STATEMENT) {
        const chunk = items.slice(at, at + MAX_ROWS_PER_STATEMENT)
        const prepared = await Promise.all(
          chunk.map(async (item) =>
            prepareEvent(this.#settings, item.event, item.payload, item.options, span?.context),
          ),
        )
        entries.push(...(await this.#insert(tx, chunk, prepared, at, items.length)))
      }
      span?.end()
      return entries
    } catch (error) {
      span?.end(error)
      throw error
    }
  }

  async #insert(
    tx: Tx,
    items: readonly OutboxItem[],
    prepared: readonly Prepared[],
    offset: number,
    total: number,
  ): Promise<OutboxEntry[]> {
    const ready: PreparedEvent[] = []
    for (const [index, p] of prepared.entries()) {
      if (!p.ok) {
        if (total > 1) Object.assign(p.error.details, { index: offset + index })
        throw p.error
      }
      ready.push(p)
    }
    const params: unknown[] = []
    const rows = ready.map((p, i) => {
      params.push(
        i,
        p.keyText ?? p.eventId,
        p.topic,
        items[i]!.options?.partition ?? null,
        p.key ?? null,
        p.value,
        storeHeaders(p.headers),
        p.eventId,
        items[i]!.event.type,
        p.timestamp.toString(),
      )
      const $ = (n: number) => `$${i * COLUMNS + n}`
      return `(${$(1)}::int, ${$(2)}::text, ${$(3)}::text, ${$(4)}::int, ${$(5)}::bytea, ${$(6)}::bytea, ${$(7)}::text::jsonb, ${$(8)}::text, ${$(9)}::text, ${$(10)}::bigint)`
    })
    const n = this.names
    const insert = `INSERT INTO ${n.outbox} (lane, topic, partition, key, value, headers, event_id, event_type, event_time)
      SELECT (hashtext(v.lane_key) & 2147483647) % m.lanes, v.topic, v.partition, v.key, v.value, v.headers, v.event_id, v.event_type, v.event_time
      FROM ${n.meta} m, (VALUES ${rows.join(', ')}) AS v(ord, lane_key, topic, partition, key, value, headers, event_id, event_type, event_time)
      ORDER BY v.ord
      RETURNING 1`
    // NOTIFY is delivered at commit, and only once per channel and transaction.
    const statement = this.#notify
      ? `WITH written AS (${insert}) SELECT pg_notify('${n.channel}', '') FROM (SELECT 1 FROM written LIMIT 1) any_row`
      : `WITH written AS (${insert}) SELECT count(*) FROM written`
    try {
      await this.database.execute(tx, statement, params)
    } catch (error) {
      throw databaseError(`writing ${total === 1 ? 'an event' : `${total} events`} to the outbox ${n.outbox}`, error)
    }
    return ready.map((p) => ({ eventId: p.eventId, topic: p.topic, key: p.keyText }))
  }
}

export function createOutbox<Tx>(options: OutboxOptions<Tx>): Outbox<Tx> {
  return new Outbox(options)
}
