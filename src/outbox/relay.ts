// The relay: moves committed outbox rows to Kafka, in order per key, each exactly once.
//
// One batch: pick the oldest rows of the lanes this relay holds and, in the same statement, record
// on those lanes an intent (the topics' end offsets now, and a deadline); send the rows with the
// idempotent producer; once Kafka acknowledged them, delete them and clear the intent. A relay that
// dies between the acknowledgement and the delete leaves the intent behind: whoever takes the lane
// next (after the deadline, when nothing of that send can still land) reads the topics from those
// offsets, finds the records carrying the rows' ids, and deletes those rows instead of sending them
// again. The same recovery follows a failed or timed-out send. NOTIFY wakes the relay on commit;
// polling covers notifications lost while the connection was down.
import { randomUUID } from 'node:crypto'
import type { ClientOptions } from '../config/client.ts'
import { databaseError, isConnectionLoss } from '../database/errors.ts'
import { numberOf, textOf } from '../database/rows.ts'
import type { Database, Session } from '../database/types.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import { defaultLogger, type Logger } from '../logging/logger.ts'
import { RelayTelemetry } from '../observability/outbox.ts'
import { Producer } from '../producer/producer.ts'
import type { RecordMetadata } from '../producer/types.ts'
import { NO_JITTER, backoffDelay, type Backoff } from '../util/backoff.ts'
import { bounded, boundedSession } from './bounded.ts'
import { relayFaults } from './faults.ts'
import { Lanes, mergeOffsets, serializeOffsets, type Intent } from './lanes.ts'
import { KafkaReader, OffsetsCache } from './readback.ts'
import { deleteStatement, intentStatement, pickStatement, recoverStatement } from './statements.ts'
import { resolveRelayOptions, type RelayOptions, type ResolvedRelayOptions } from './relay-options.ts'
import { OUTBOX_ROW_HEADER, recordOf, rowIdOf, rowOf, type OutboxRow } from './rows.ts'
import type { OutboxNames } from './schema.ts'
import { readStats } from './stats.ts'

export type RelayState = 'idle' | 'starting' | 'running' | 'reconnecting' | 'stopping' | 'stopped'

export interface RelayStatus {
  state: RelayState
  id: string
  /** Lanes held, and among them those waiting to be recovered. */
  lanes: number
  recovering: number
  relayed: number
  recovered: number
  pending: number | undefined
  oldestAgeSeconds: number | undefined
  lastBatchAt: Date | undefined
  lastError: { code: string; message: string; at: Date } | undefined
}

/** What a relay needs of its outbox (an `Outbox` is one). */
export interface RelaySource {
  readonly service: string
  readonly names: OutboxNames
  readonly database: Database<unknown>
  readonly client: ClientOptions | undefined
}

type LaneStatus = { kind: 'active' } | { kind: 'recovering'; intent: Intent; dueAt: number }

export class Relay {
  readonly id: string
  readonly #outbox: RelaySource
  readonly #client: ClientOptions
  readonly #log: Logger
  readonly #o: ResolvedRelayOptions
  /** The wait after failed rounds in a row: 200 ms, doubling, up to maxBackoff. */
  readonly #backoff: Backoff
  readonly #telemetry: RelayTelemetry | undefined
  #state: RelayState = 'idle'
  #session: Session | undefined
  #lanes: Lanes | undefined
  #unlisten: (() => Promise<void>) | undefined
  readonly #owned = new Map<number, LaneStatus>()
  #producer: Producer | undefined
  #reader: KafkaReader | undefined
  #outboxId = ''
  #offsets: OffsetsCache | undefined
  #rebalancedAt = 0
  #statsAt = 0
  #wake: (() => void) | undefined
  #poked = false
  #attempt = 0
  #loop: Promise<void> | undefined
  #stopping: Promise<void> | undefined
  readonly #counts = { relayed: 0, recovered: 0 }
  #stats: { pending: number; oldestAgeSeconds: number } | undefined
  #lastBatchAt: Date | undefined
  #lastError: RelayStatus['lastError']

  constructor(outbox: RelaySource, options: RelayOptions = {}) {
    this.#outbox = outbox
    const client = options.client ?? outbox.client
    if (!client) throw new KafkitError(ErrorCodes.CONFIG_INVALID, 'relay: no Kafka client settings (give `client`)')
    this.#client = client
    this.id = options.id ?? `${outbox.service}-${randomUUID().slice(0, 8)}`
    this.#o = resolveRelayOptions(options)
    this.#backoff = { initialBackoffMs: 200, maxBackoffMs: this.#o.maxBackoffMs, multiplier: 2 }
    const names = outbox.names
    this.#log = (options.logger ?? defaultLogger()).child({
      component: 'kafkit-outbox-relay',
      outbox: `${names.schema}.${names.table}`,
      relay: this.id,
    })
    this.#telemetry =
      options.telemetry === false ? undefined : new RelayTelemetry(`${names.schema}.${names.table}`, this.id)
  }

  get state(): RelayState {
    return this.#state
  }

  /**
   * How long a relay that takes over a lane waits for the previous holder's send to end: the send
   * deadline, and as long again for a request the wire client was still retrying.
   */
  get takeoverDelayMs(): number {
    return 2 * this.#o.sendTimeoutMs + 1000
  }

  status(): RelayStatus {
    let recovering = 0
    for (const status of this.#owned.values()) if (status.kind === 'recovering') recovering++
    return {
      state: this.#state,
      id: this.id,
      lanes: this.#owned.size,
      recovering,
      relayed: this.#counts.relayed,
      recovered: this.#counts.recovered,
      pending: this.#stats?.pending,
      oldestAgeSeconds: this.#stats?.oldestAgeSeconds,
      lastBatchAt: this.#lastBatchAt,
      lastError: this.#lastError,
    }
  }

  /** Connects, joins the outbox's relays and takes its share of lanes; then relays in the background. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new KafkitError(ErrorCodes.RELAY_STATE, `relay ${this.id}: start() in state ${this.#state}`)
    }
    this.#state = 'starting'
    this.#producer = this.#newProducer()
    this.#reader = new KafkaReader(this.#client, `kafkit-relay-${this.id}`, this.#o.sendTimeoutMs)
    this.#offsets = new OffsetsCache(this.#reader)
    try {
      await this.#connectBounded(`relay ${this.id}: connecting to the database`)
    } catch (error) {
      await this.#producer.close().catch(() => undefined)
      await this.#reader.close()
      this.#telemetry?.close()
      this.#state = 'stopped'
      throw error
    }
    this.#state = 'running'
    this.#log.info({ lanes: [...this.#owned.keys()].length }, 'outbox relay started')
    this.#loop = this.#run()
  }

  /** Lets the batch in progress finish, gives the lanes back and closes its connections. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'stopped') {
      this.#state = 'stopped'
      return
    }
    this.#state = 'stopping'
    this.#poke()
    const finished = await bounded(this.#loop ?? Promise.resolve(), this.#o.stopTimeoutMs, 'stop').then(
      () => true,
      () => false,
    )
    if (!finished) this.#log.warn({ timeoutMs: this.#o.stopTimeoutMs }, 'the batch in progress did not finish in time')
    if (finished) await this.#giveBack()
    await this.#closeSession()
    await this.#producer?.close().catch(() => undefined)
    await this.#reader?.close()
    this.#telemetry?.close()
    this.#state = 'stopped'
    this.#log.info({ relayed: this.#counts.relayed }, 'outbox relay stopped')
  }

  get #running(): boolean {
    return this.#state === 'running' || this.#state === 'reconnecting'
  }

  async #run(): Promise<void> {
    let failures = 0
    while (this.#running) {
      try {
        if (!this.#session) {
          await this.#connectBounded(`relay ${this.id}: reconnecting to the database`)
          this.#state = 'running'
          this.#log.info({ lanes: this.#owned.size }, 'outbox relay reconnected')
        }
        const now = Date.now()
        if (now - this.#rebalancedAt >= this.#o.rebalanceMs) await this.#rebalance()
        if (now - this.#statsAt >= this.#o.statsMs) await this.#measure()
        await this.#recoverDue()
        const sent = await this.#relayBatch()
        failures = 0
        if (sent < this.#o.batchSize) await this.#idle(this.#nextWakeMs())
      } catch (error) {
        failures++
        await this.#failed(error)
        await this.#idle(backoffDelay(this.#backoff, failures, NO_JITTER))
      }
    }
  }

  /** Connects (bounded in time); a connection that completes after its timeout is closed. */
  async #connectBounded(what: string): Promise<void> {
    const attempt = ++this.#attempt
    try {
      await bounded(this.#connect(attempt), this.#o.startTimeoutMs, what)
    } catch (error) {
      this.#attempt++
      await this.#closeSession()
      throw error
    }
  }

  async #connect(attempt: number): Promise<void> {
    const db = this.#outbox.database
    const names = this.#outbox.names
    const raw = await db.session()
    if (attempt !== this.#attempt) {
      await raw.close()
      return
    }
    const session = boundedSession(raw, this.#o.queryTimeoutMs)
    this.#session = session
    let meta
    try {
      ;[meta] = await session.query(`SELECT instance_id, lanes FROM ${names.meta}`)
    } catch (error) {
      throw databaseError(`relay ${this.id}: reading ${names.meta}`, error)
    }
    if (!meta)
      throw databaseError(`relay ${this.id}`, Object.assign(new Error(`${names.meta} is empty`), { code: '42P01' }))
    this.#outboxId = textOf(meta, 'instance_id')
    this.#lanes = new Lanes(session, names, numberOf(meta, 'lanes'))
    await this.#lanes.join()
    this.#unlisten = await session.listen(names.channel, () => this.#poke())
    await this.#rebalance()
  }

  /** Takes lanes up to this relay's share, or gives back those beyond it. */
  async #rebalance(): Promise<void> {
    const lanes = this.#lanes!
    this.#rebalancedAt = Date.now()
    const { relays, free } = await lanes.survey()
    const share = Math.ceil(lanes.total / relays)
    if (this.#owned.size > share) {
      const spare = [...this.#owned].filter(([, s]) => s.kind === 'active').map(([lane]) => lane)
      for (const lane of spare.slice(0, this.#owned.size - share)) {
        await lanes.give(lane)
        this.#owned.delete(lane)
      }
    } else if (this.#owned.size < share && free.length > 0) {
      const taken: number[] = []
      // From a random start, so that relays starting together do not try the same lanes.
      const start = Math.floor(Math.random() * free.length)
      for (let i = 0; i < free.length && this.#owned.size + taken.length < share; i++) {
        const lane = free[(start + i) % free.length]!
        if (await lanes.tryTake(lane)) taken.push(lane)
      }
      if (taken.length > 0) await this.#adopt(taken)
    }
    this.#telemetry?.setLanes(this.#owned.size)
  }

  /** New lanes: clean ones are relayed at once; those with an intent are recovered first. */
  async #adopt(taken: number[]): Promise<void> {
    const intents = await this.#lanes!.intents(taken)
    const now = Date.now()
    for (const lane of taken) {
      const intent = intents.get(lane)
      if (!intent) this.#owned.set(lane, { kind: 'active' })
      else {
        // Our own intent: this relay's producer has nothing in flight (sends are awaited, and a
        // failed one closes its producer), so recovery need not wait.
        const wait = intent.owner === this.id ? 0 : Math.max(0, intent.remainingMs)
        this.#owned.set(lane, { kind: 'recovering', intent, dueAt: now + wait })
        this.#log.info({ lane, previousRelay: intent.owner, waitMs: Math.round(wait) }, 'lane taken over mid-send')
      }
    }
  }

  /** Recovers lanes whose wait is over: rows found in Kafka are deleted, the rest are sent again. */
  async #recoverDue(): Promise<void> {
    const now = Date.now()
    const due = [...this.#owned].filter(
      (entry): entry is [number, Extract<LaneStatus, { kind: 'recovering' }>] =>
        entry[1].kind === 'recovering' && entry[1].dueAt <= now,
    )
    if (due.length === 0) return
    const lanes = due.map(([lane]) => lane)
    const found: bigint[] = []
    const scanned = await this.#reader!.scan(
      mergeOffsets(due.map(([, s]) => s.intent.offsets)),
      OUTBOX_ROW_HEADER,
      (h) => {
        const id = rowIdOf(h, this.#outboxId)
        if (id !== undefined) found.push(id)
      },
    )
    const rows = await this.#query(
      recoverStatement(this.#outbox.names),
      [found.join(','), lanes.join(',')],
      'recovering lanes',
    )
    const deleted = numberOf(rows[0]!, 'deleted')
    for (const lane of lanes) this.#owned.set(lane, { kind: 'active' })
    this.#counts.recovered += deleted
    this.#telemetry?.recovered(deleted)
    this.#log.info({ lanes, scanned, alreadyInKafka: deleted }, 'lanes recovered')
  }

  /** One batch: pick and mark intent, send, delete. Returns the rows relayed. */
  async #relayBatch(): Promise<number> {
    const active = [...this.#owned].filter(([, s]) => s.kind === 'active').map(([lane]) => lane)
    if (active.length === 0) return 0
    const offsets = this.#offsets!
    await offsets.ensure([])
    let intent = offsets.snapshot()
    // The intent goes on the lanes of the rows picked, in the statement that picks them.
    const picked = await this.#query(
      pickStatement(this.#outbox.names),
      [active.join(','), this.#o.batchSize, serializeOffsets(intent), this.id, this.takeoverDelayMs],
      'picking rows',
    )
    if (picked.length === 0) return 0
    const rows = picked.map(rowOf)
    const lanes = [...new Set(rows.map((r) => r.lane))]
    const lanesCsv = lanes.join(',')
    // From here on these lanes carry an intent: whatever fails before the delete leaves them to recovery.
    try {
      if (await offsets.ensure(rows.map((r) => r.topic))) {
        intent = offsets.snapshot()
        await this.#query(
          intentStatement(this.#outbox.names),
          [lanesCsv, serializeOffsets(intent)],
          'recording the intent',
        )
      }
      const acknowledged = await this.#send(rows)
      await relayFaults.afterAcknowledged?.(acknowledged)
      offsets.advance(acknowledged)
      await this.#delete(rows, lanesCsv)
    } catch (error) {
      const own: Intent = { offsets: intent, owner: this.id, remainingMs: 0 }
      for (const lane of lanes) {
        if (this.#owned.has(lane)) this.#owned.set(lane, { kind: 'recovering', intent: own, dueAt: Date.now() })
      }
      throw error
    }
    this.#lastBatchAt = new Date()
    return rows.length
  }

  async #send(rows: readonly OutboxRow[]): Promise<RecordMetadata[]> {
    try {
      return await this.#producer!.sendRecords(
        rows.map((row) => recordOf(row, this.#outboxId)),
        { deliveryTimeout: this.#o.sendTimeoutMs },
      )
    } catch (error) {
      // Wait until nothing of this send is in flight any more (the wire client may still be
      // retrying it), then start over with a fresh producer: recovery reads what landed.
      const old = this.#producer!
      this.#producer = this.#newProducer()
      await old.close().catch(() => undefined)
      throw error
    }
  }

  async #delete(rows: readonly OutboxRow[], lanesCsv: string): Promise<void> {
    const ages = await this.#query(
      deleteStatement(this.#outbox.names),
      [rows.map((r) => r.id).join(','), lanesCsv],
      'deleting relayed rows',
    )
    this.#counts.relayed += rows.length
    this.#telemetry?.relayed(ages.map((r) => numberOf(r, 'age')))
  }

  /** On the relay's own session: its statements are bounded in time. */
  async #measure(): Promise<void> {
    this.#statsAt = Date.now()
    this.#stats = await readStats(this.#outbox.names, (text) => this.#query(text, [], 'measuring the outbox'))
    this.#telemetry?.setStats(this.#stats)
  }

  async #failed(error: unknown): Promise<void> {
    const failure = KafkitError.is(error) ? error : databaseError(`relay ${this.id}`, error)
    this.#lastError = { code: failure.code, message: failure.message, at: new Date() }
    this.#telemetry?.failed(failure)
    const lost =
      failure.details['sessionLost'] === true ||
      (isConnectionLoss(failure.cause ?? failure) && failure.code === ErrorCodes.DATABASE_FAILED)
    this.#log.warn({ code: failure.code, error: failure.message, databaseLost: lost }, 'relay batch failed')
    if (lost || !this.#session) {
      // The advisory locks went with the session: the lanes are no longer ours.
      await this.#closeSession()
      if (this.#state === 'running') this.#state = 'reconnecting'
    }
  }

  async #query(text: string, params: readonly unknown[], what: string) {
    try {
      return await this.#session!.query(text, params)
    } catch (error) {
      throw databaseError(`relay ${this.id}: ${what}`, error)
    }
  }

  /** Gives back the lanes (only clean ones: a lane left mid-recovery keeps its intent) and leaves. */
  async #giveBack(): Promise<void> {
    if (!this.#session || !this.#lanes) return
    try {
      for (const [lane, status] of this.#owned) if (status.kind === 'active') await this.#lanes.give(lane)
      await this.#lanes.leave()
    } catch (error) {
      this.#log.debug({ error: errorMessage(error) }, 'giving lanes back failed (the session end releases them)')
    }
  }

  async #closeSession(): Promise<void> {
    const session = this.#session
    this.#session = undefined
    this.#lanes = undefined
    this.#owned.clear()
    this.#telemetry?.setLanes(0)
    const unlisten = this.#unlisten
    this.#unlisten = undefined
    await unlisten?.().catch(() => undefined)
    await session?.close().catch(() => undefined)
  }

  #newProducer(): Producer {
    return new Producer({
      client: this.#client,
      service: this.#outbox.service,
      logger: this.#log,
      deliveryTimeout: this.#o.sendTimeoutMs,
      ...(this.#o.compression && { compression: this.#o.compression }),
      telemetry: false,
    })
  }

  /** Until the next recovery is due, or the poll interval. */
  #nextWakeMs(): number {
    let wait = this.#o.pollMs
    const now = Date.now()
    for (const status of this.#owned.values()) {
      if (status.kind === 'recovering') wait = Math.min(wait, Math.max(0, status.dueAt - now))
    }
    return wait
  }

  #poke(): void {
    this.#poked = true
    this.#wake?.()
  }

  async #idle(waitMs: number): Promise<void> {
    if (this.#poked || !this.#running) {
      this.#poked = false
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
    this.#wake = undefined
    this.#poked = false
  }
}
