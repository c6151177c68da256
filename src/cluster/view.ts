// kafkit's own view of the cluster: brokers, and each topic's partitions and leaders. It asks for
// metadata with a bound, hedged across brokers: when the broker asked first does not answer soon,
// the next one is asked too, and the first answer wins. A broker that failed or stayed silent goes
// to the back of the line for a while, so that one hung broker never stalls the refresh that moves
// its partitions to their new leaders.
import {
  Admin,
  type Broker,
  type BrokerWithRack,
  type ClusterMetadata,
  type ClusterTopicMetadata,
} from '@platformatic/kafka'
import { clientTimeouts, wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { errorMessage, type KafkitError } from '../errors.ts'
import { connectionError, diagnose, type Diagnosis } from './diagnose.ts'

export interface ClusterViewOptions {
  client: ClientOptions
  clientId: string
  /** Bound of one metadata request to one broker, connection included. */
  requestTimeoutMs: number
  /** Ask the next broker too when the one asked has not answered within this time. */
  hedgeMs?: number
  /** How long a broker that failed or stayed silent is asked last. */
  suspectMs?: number
}

/**
 * Each partition's newest state: a broker that was paused or cut off answers with metadata from
 * before (an old leader epoch), which must not send records back to a leader that is no longer one.
 */
function newer(
  known: ClusterTopicMetadata | undefined,
  fresh: ClusterTopicMetadata,
): ClusterTopicMetadata['partitions'] {
  if (!known || known.partitionsCount !== fresh.partitionsCount) return fresh.partitions
  return fresh.partitions.map((partition, i) => {
    const before = known.partitions[i]
    return before && partition && before.leaderEpoch > partition.leaderEpoch ? before : partition
  })
}

/** A topic the cluster does not have: the only metadata failure that is an answer, not an outage. */
export class UnknownTopicError extends Error {
  readonly topic: string
  constructor(topic: string, cause: unknown) {
    super(`Unknown topic ${topic}.`, { cause })
    this.topic = topic
  }
}

interface BrokerState {
  address: string
  host: string
  port: number
  admin: Admin | undefined
  lastOk: number
  suspectUntil: number
  lastFailure: Diagnosis | undefined
  /** Bootstrap order, to keep the user's order among equals. */
  rank: number
}

const HEDGE_MS = 500
const SUSPECT_MS = 15_000

export class ClusterView {
  readonly #o: ClusterViewOptions
  readonly #states = new Map<string, BrokerState>()
  #brokers = new Map<number, BrokerWithRack>()
  /** Every broker ever announced: a fenced broker leaves the metadata, but its connections stay. */
  readonly #known = new Map<number, BrokerWithRack>()
  #topics = new Map<string, ClusterTopicMetadata>()
  #clusterId: string | undefined
  #controllerId = -1
  #wanted = new Set<string>()
  #inflight: Promise<void> | undefined
  #queued: Promise<void> | undefined
  #closed = false

  constructor(options: ClusterViewOptions) {
    this.#o = options
    for (const address of options.client.brokers) this.#state(address)
  }

  get clusterId(): string | undefined {
    return this.#clusterId
  }

  /** Brokers in the last metadata. */
  get brokerCount(): number {
    return this.#brokers.size
  }

  topic(name: string): ClusterTopicMetadata | undefined {
    return this.#topics.get(name)
  }

  /** The leader's node id, or undefined while unknown or being elected. */
  leader(topic: string, partition: number): number | undefined {
    const leader = this.#topics.get(topic)?.partitions[partition]?.leader
    return leader === undefined || leader < 0 ? undefined : leader
  }

  /** A broker's address, also after it left the cluster's metadata (fenced, stopped). */
  broker(nodeId: number): Broker | undefined {
    return this.#known.get(nodeId)
  }

  /** `host:port` of a node, for messages. */
  nameOf(nodeId: number): string {
    const broker = this.#known.get(nodeId)
    return broker ? `${broker.host}:${broker.port}` : `node ${nodeId}`
  }

  /** Every address kafkit knows: the bootstrap list and the brokers metadata announced. */
  get addresses(): string[] {
    return [...this.#states.keys()]
  }

  /**
   * Refreshes in the background when the view is older than `maxAgeMs`, so that partitions added to
   * a topic and leaders moved without an error are seen (Java's `metadata.max.age.ms`, 5 min).
   */
  freshen(maxAgeMs: number): void {
    if (this.#inflight !== undefined || this.#topics.size === 0) return
    let oldest = Infinity
    for (const topic of this.#topics.values()) oldest = Math.min(oldest, topic.lastUpdate)
    if (Date.now() - oldest > maxAgeMs) this.refresh().catch(() => undefined)
  }

  /** Puts a broker at the back of the line (a produce request to it stalled, say). */
  suspect(nodeId: number): void {
    const broker = this.#known.get(nodeId)
    if (!broker) return
    const state = this.#state(`${broker.host}:${broker.port}`)
    state.suspectUntil = Date.now() + (this.#o.suspectMs ?? SUSPECT_MS)
  }

  /** Brokers to connect to for requests any broker can answer: healthy and recently good first. */
  bootstrapOrder(): Broker[] {
    return this.#candidates().map(({ host, port }) => ({ host, port }))
  }

  /** The view in the wire client's metadata shape, for the topics asked. */
  wireMetadata(topics: readonly string[]): ClusterMetadata {
    const known = topics.flatMap((t) => {
      const info = this.#topics.get(t)
      return info ? [[t, info] as const] : []
    })
    return {
      id: this.#clusterId ?? '',
      brokers: this.#brokers,
      topics: new Map(known),
      lastUpdate: Date.now(),
      controllerId: this.#controllerId,
    }
  }

  /**
   * Fetches fresh metadata for these topics (and every topic already known). Concurrent calls share
   * one request, plus at most one more for topics asked while it ran. Rejects with an
   * UnknownTopicError, or a KafkitError naming the brokers and why none answered.
   */
  refresh(topics: Iterable<string> = []): Promise<void> {
    for (const topic of topics) this.#wanted.add(topic)
    if (this.#inflight === undefined) return (this.#inflight = this.#run())
    this.#queued ??= this.#inflight
      .catch(() => undefined)
      .then(() => {
        this.#queued = undefined
        return (this.#inflight = this.#run())
      })
    return this.#queued
  }

  async close(): Promise<void> {
    this.#closed = true
    const admins = [...this.#states.values()].flatMap((s) => (s.admin ? [s.admin] : []))
    for (const state of this.#states.values()) state.admin = undefined
    await Promise.all(admins.map((a) => a.close().catch(() => undefined)))
  }

  async #run(): Promise<void> {
    const known = [...this.#topics.keys()]
    const wanted = [...this.#wanted].filter((topic) => !this.#topics.has(topic))
    this.#wanted.clear()
    try {
      const topics = [...known, ...wanted]
      try {
        this.#apply(await this.#fetch(topics), topics)
      } catch (err) {
        if (!(err instanceof UnknownTopicError) || topics.length === 1) throw err
        // The wire client may name the wrong one of several topics: ask for each on its own.
        await this.#runEach(topics, new Set(wanted))
      }
    } finally {
      this.#inflight = undefined
    }
  }

  /** One request per topic: known topics deleted since are forgotten; a wanted one missing fails the refresh. */
  async #runEach(topics: string[], wanted: Set<string>): Promise<void> {
    let missing: UnknownTopicError | undefined
    for (const topic of topics) {
      try {
        this.#apply(await this.#fetch([topic]), [topic])
      } catch (err) {
        if (!(err instanceof UnknownTopicError)) throw err
        this.#topics.delete(topic)
        if (wanted.has(topic)) missing ??= new UnknownTopicError(topic, err)
      }
    }
    if (missing) throw missing
  }

  #apply(metadata: ClusterMetadata, topics: string[]): void {
    this.#clusterId = metadata.id
    this.#controllerId = metadata.controllerId
    this.#brokers = new Map(metadata.brokers)
    for (const [id, broker] of metadata.brokers) {
      this.#known.set(id, broker)
      this.#state(`${broker.host}:${broker.port}`)
    }
    const now = Date.now()
    for (const topic of topics) {
      const info = metadata.topics.get(topic)
      if (info) this.#topics.set(topic, { ...info, partitions: newer(this.#topics.get(topic), info), lastUpdate: now })
    }
  }

  /** Asks brokers in order, the next one too whenever the last asked is silent for hedgeMs. */
  #fetch(topics: string[]): Promise<ClusterMetadata> {
    const candidates = this.#candidates()
    const hedgeMs = this.#o.hedgeMs ?? HEDGE_MS
    return new Promise((resolve, reject) => {
      const timers = new Set<NodeJS.Timeout>()
      const failures: { state: BrokerState; error: unknown }[] = []
      const asked: string[] = []
      let next = 0
      let pending = 0
      let done = false
      const finish = (outcome: () => void) => {
        done = true
        for (const timer of timers) clearTimeout(timer)
        outcome()
      }
      const launch = (): void => {
        if (done) return
        if (next >= candidates.length) {
          if (pending === 0) finish(() => reject(this.#failure(failures, asked)))
          return
        }
        const state = candidates[next++]!
        asked.push(state.address)
        pending++
        const hedge = setTimeout(() => {
          timers.delete(hedge)
          this.#markSuspect(state, undefined)
          launch()
        }, hedgeMs)
        timers.add(hedge)
        this.#ask(state, topics).then(
          (metadata) => {
            pending--
            clearTimeout(hedge)
            timers.delete(hedge)
            state.lastOk = Date.now()
            state.suspectUntil = 0
            state.lastFailure = undefined
            if (!done) finish(() => resolve(metadata))
          },
          (error: unknown) => {
            pending--
            clearTimeout(hedge)
            timers.delete(hedge)
            if (done) return
            if (error instanceof UnknownTopicError) return finish(() => reject(error))
            failures.push({ state, error })
            this.#markSuspect(state, diagnose(error))
            launch()
          },
        )
      }
      launch()
    })
  }

  /** One metadata request to one broker, bounded (connection included). */
  async #ask(state: BrokerState, topics: string[]): Promise<ClusterMetadata> {
    if (this.#closed) throw new Error('the cluster view is closed')
    const connectTimeout = Math.min(
      clientTimeouts(this.#o.client).connectMs ?? this.#o.requestTimeoutMs,
      this.#o.requestTimeoutMs,
    )
    state.admin ??= new Admin({
      ...wireConnectionOptions({ ...this.#o.client, brokers: [state.address] }, this.#o.clientId),
      retries: 0,
      connectTimeout,
      requestTimeout: this.#o.requestTimeoutMs,
      metadataMaxAge: 0,
    })
    const bound = connectTimeout + this.#o.requestTimeoutMs
    let timer: NodeJS.Timeout | undefined
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${bound} ms`)), bound)
    })
    try {
      return await Promise.race([state.admin.metadata({ topics, forceUpdate: true, retries: 0 }), silence])
    } catch (err) {
      const unknown = /^Unknown topic (.*)\.$/.exec(errorMessage(err))
      if (unknown) throw new UnknownTopicError(unknown[1]!, err)
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  #markSuspect(state: BrokerState, failure: Diagnosis | undefined): void {
    state.suspectUntil = Date.now() + (this.#o.suspectMs ?? SUSPECT_MS)
    if (failure) state.lastFailure = failure
  }

  /** Not suspect first (most recently good, then bootstrap order), then suspects, soonest back first. */
  #candidates(): BrokerState[] {
    const now = Date.now()
    return [...this.#states.values()].sort((a, b) => {
      const aOk = a.suspectUntil <= now
      const bOk = b.suspectUntil <= now
      if (aOk !== bOk) return aOk ? -1 : 1
      if (!aOk) return a.suspectUntil - b.suspectUntil
      return b.lastOk - a.lastOk || a.rank - b.rank
    })
  }

  /** The most telling failure: credentials, then TLS, then unreachable, then silence. */
  #failure(failures: { state: BrokerState; error: unknown }[], asked: string[]): KafkitError {
    const order = ['authentication', 'tls', 'unreachable', 'no-answer'] as const
    const diagnosed = failures
      .map((f) => ({ ...f, diagnosis: diagnose(f.error) }))
      .sort(
        (a, b) =>
          order.indexOf(a.diagnosis?.failure ?? 'no-answer') - order.indexOf(b.diagnosis?.failure ?? 'no-answer'),
      )
    const first = diagnosed[0]
    const diagnosis: Diagnosis = first?.diagnosis ?? {
      failure: 'no-answer',
      detail: first ? errorMessage(first.error) : 'no broker to ask',
      brokers: [],
    }
    const brokers = diagnosis.brokers.length > 0 ? diagnosis.brokers : first ? [first.state.address] : asked
    return connectionError('fetching metadata', { ...diagnosis, brokers }, asked, { cause: first?.error })
  }

  #state(address: string): BrokerState {
    let state = this.#states.get(address)
    if (!state) {
      const colon = address.lastIndexOf(':')
      const host = (colon < 0 ? address : address.slice(0, colon)).replace(/^\[(.*)\]$/, '$1')
      state = {
        address,
        host,
        port: colon < 0 ? 9092 : Number(address.slice(colon + 1)),
        admin: undefined,
        lastOk: 0,
        suspectUntil: 0,
        lastFailure: undefined,
        rank: this.#states.size,
      }
      this.#states.set(address, state)
    }
    return state
  }
}
