// The group member on @platformatic/kafka: the only place the consumer runtime talks to the wire
// client. The wire client commits nothing by itself here (autocommit off) and starts from committed
// offsets (mode COMMITTED). What it does not offer is built here, from what it exposes:
// - fetch order and per-partition pause: its MessagesStream fetches the partitions listed in
//   `consumer.assignments`, in that order (fetch-order.ts edits those lists);
// - seek: a stream's `offsetsToFetch` map says where each partition's next fetch starts;
// - read_committed: records of aborted transactions are dropped from each fetch (aborted.ts);
// - where a fetch ends with transaction markers (or dropped records), a skip says so (aborted.ts).
// See docs/internals.md ("Wire-client workarounds") for the upstream changes that would replace them.
import {
  COOPERATIVE_STICKY_ASSIGNOR,
  Consumer as WireConsumer,
  FetchIsolationLevels,
  GroupProtocols,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type ConsumerGroupJoinPayload,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka'
import { connectionError, diagnose } from '../cluster/diagnose.ts'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import { checkConnection } from '../kafkit/connect.ts'
import type { Logger } from '../logging/logger.ts'
import type { OffsetsClient } from '../observability/lag.ts'
import { within, type Clock, type Timer } from '../util/clock.ts'
import { SKIP, filterAbortedFetches } from './aborted.ts'
import { FetchOrder } from './fetch-order.ts'
import {
  tpKey,
  type CommitOffset,
  type FailureScope,
  type FetchedRecord,
  type GroupIdentity,
  type GroupMember,
  type MemberEvents,
  type MemberFactory,
  type MemberOptions,
  type TopicPartition,
} from './member.ts'

type WireMessage = Message<Buffer, Buffer, Buffer, Buffer>
type WireStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>

/** A paused partition: fetched records of it are dropped; `rewindTo` is the first one dropped. */
interface Held {
  rewindTo: bigint | undefined
  /** Set by a seek: where delivery goes on, whatever records fetched before it are dropped. */
  seekTo?: bigint | undefined
  /** The stream it was paused on (a later stream never fetched what was dropped). */
  stream: number
}

/** After a rewind: records of a fetch sent before it may still come; only `offset` proves a new one. */
interface Rewound {
  offset: bigint
  fetchesAtResume: number
}

/** Fetch responses after a rewind before giving up on it and restarting the stream. */
const REWIND_FETCHES = 5

/** How long an incremental rebalance waits for the commit of finished work before giving partitions up. */
const REVOKE_COMMIT_MS = 5000

export function wireMembers(client: ClientOptions, logger: Logger, clock: Clock): MemberFactory {
  return (options) => new WireGroupMember(client, options, logger, clock)
}

class WireGroupMember implements GroupMember {
  readonly #client: ClientOptions
  readonly #o: MemberOptions
  readonly #log: Logger
  readonly #clock: Clock
  #wire: WireConsumer | undefined
  #order: FetchOrder | undefined
  #stream: WireStream | undefined
  #streams = 0
  #fetches = 0
  #events: MemberEvents | undefined
  #closed = false
  /** Between a rebalance notice and the join that ends it. */
  #rebalancing = false
  #joinWaiters: (() => void)[] = []
  #assigned = new Map<string, TopicPartition>()
  /** KIP-848: assignment changes so far (the member's own generation numbers). */
  #epochs = 0
  readonly #held = new Map<string, Held>()
  readonly #rewound = new Map<string, Rewound>()
  /** Seeks asked for while no stream fetches (during the join): applied once one does. */
  readonly #pendingSeeks = new Map<string, { tp: TopicPartition; offset: bigint }>()
  #lastTopic = ''
  #lastPartition = -1

  constructor(client: ClientOptions, options: MemberOptions, logger: Logger, clock: Clock) {
    this.#client = client
    this.#o = options
    this.#log = logger
    this.#clock = clock
  }

  async join(events: MemberEvents): Promise<void> {
    this.#events = events
    const o = this.#o
    const group = {
      groupId: o.group,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      // No successful heartbeat for a whole session means the coordinator has evicted this member:
      // that is when to recreate it. (The wire client's default waits a rebalance timeout, and a
      // member closed mid-heartbeat keeps that timer, and the process, alive for as long.)
      heartbeatStallTimeout: o.sessionTimeoutMs,
    }
    const wire = new WireConsumer({
      ...wireConnectionOptions(this.#client, `${o.group}-consumer`),
      // KIP-848: the broker assigns, and sets the session timeout and heartbeat interval.
      ...(o.rebalanceProtocol === 'consumer'
        ? { ...group, groupProtocol: GroupProtocols.CONSUMER }
        : {
            ...group,
            sessionTimeout: o.sessionTimeoutMs,
            heartbeatInterval: o.heartbeatIntervalMs,
            // Round-robin as well, second: a group whose other members are eager (an earlier
            // version of the service, during a rolling deploy) agrees on it until every member
            // offers cooperative-sticky; the wire client follows the protocol the group chose.
            ...(o.rebalanceProtocol === 'cooperative' && {
              protocols: [
                { name: COOPERATIVE_STICKY_ASSIGNOR, version: 3 },
                { name: 'roundrobin', version: 1 },
              ],
            }),
          }),
      retries: 5,
      retryDelay: 500,
      isolationLevel:
        o.isolation === 'read_uncommitted'
          ? FetchIsolationLevels.READ_UNCOMMITTED
          : FetchIsolationLevels.READ_COMMITTED,
    })
    filterAbortedFetches(wire, undefined, true)
    this.#wire = wire
    this.#order = new FetchOrder(wire)
    if (o.rebalanceProtocol === 'consumer') this.#watchAssignments(wire)
    else wire.on('consumer:group:join', (payload) => this.#onJoin(payload))
    wire.on('consumer:group:rebalance', () => this.#onRebalance())
    wire.on('consumer:heartbeat:stalled', () => this.#fail(new Error('heartbeats stalled'), 'member'))
    // Without an 'error' listener the wire client's failed rejoin would crash the process.
    wire.on('error', (error: unknown) => this.#fail(error, 'member'))
    await this.#joinWithin()
  }

  /**
   * Opens the stream (joining the group) within joinTimeoutMs. The brokers are checked meanwhile:
   * wrong credentials or TLS settings and a refused port fail in seconds, named, where the wire
   * client would retry its JoinGroup for half a minute and then say only "joinGroup failed 6 times".
   * A broker that does not answer the check is not failed on that alone (a loaded broker answers
   * late and the join still succeeds): the join's bound decides, and its error names the silence.
   */
  async #joinWithin(): Promise<void> {
    const o = this.#o
    const what = `consumer start (group ${o.group})`
    let timer: Timer | undefined
    const late = new Promise<never>((_, reject) => {
      timer = this.#clock.setTimeout(() => {
        const detail = `the group was not joined within ${o.joinTimeoutMs} ms (startTimeout)`
        reject(connectionError(what, { failure: 'no-answer', detail, brokers: [] }, this.#client.brokers))
      }, o.joinTimeoutMs)
    })
    const pending = () => new Promise<never>(() => undefined)
    const checked = checkConnection(this.#client, { timeout: o.joinTimeoutMs }).then(pending, (error: unknown) => {
      const failure = KafkitError.is(error) ? error : undefined
      if (failure?.details['failure'] === 'no-answer') return pending()
      throw new KafkitError(
        failure?.code ?? ErrorCodes.BROKER_UNAVAILABLE,
        `${what}: ${errorMessage(error).replace(/^connect: /, '')}`,
        {
          cause: error,
          retryable: failure?.retryable ?? true,
          details: failure?.details ?? { brokers: this.#client.brokers },
        },
      )
    })
    try {
      await Promise.race([this.#openStream(), late, checked])
    } catch (error) {
      // Closed meanwhile: the join failed because its connections were closed, not because of the
      // brokers (whose diagnosis would name a cause that is not one).
      if (this.#closed)
        throw new KafkitError(ErrorCodes.CONSUMER_STATE, `${what}: closed before the group was joined`, {
          cause: error,
        })
      throw KafkitError.is(error) ? error : this.#joinFailure(what, error)
    } finally {
      this.#clock.clearTimeout(timer)
    }
  }

  /** The wire client's join failure (retries nested in MultipleErrors) as a KafkitError naming the cause. */
  #joinFailure(what: string, error: unknown): KafkitError {
    const diagnosis = diagnose(error)
    if (diagnosis) return connectionError(what, diagnosis, this.#client.brokers, { cause: error })
    const inner = innermost(error)
    return new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `${what}: joining the group failed: ${inner}`, {
      cause: error,
      retryable: true,
      details: { brokers: this.#client.brokers },
    })
  }

  async #openStream(): Promise<void> {
    const o = this.#o
    const stream = (await this.#wire!.consume({
      topics: [...o.topics],
      autocommit: false,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode:
        o.autoOffsetReset === 'earliest' ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
      minBytes: o.fetchMinBytes,
      maxBytes: o.fetchMaxBytes,
      maxBytesPerPartition: o.fetchMaxBytesPerPartition,
      maxWaitTime: o.fetchMaxWaitMs,
      highWaterMark: o.maxPollRecords,
    })) as WireStream
    if (this.#closed) {
      // close() began while we were joining: what we made must not outlive it.
      await stream.close().catch(() => undefined)
      return
    }
    this.#commitBeforeRevoking(stream)
    this.#stream = stream
    this.#streams++
    this.#fetches = 0
    this.#rewound.clear()
    // Records are pulled (paused mode), never pushed: the wire client then fetches only when its
    // buffer runs low. Pausing and resuming a flowing stream instead made it fetch again at every
    // resume, however much it already held.
    stream.on('readable', () => this.#events?.readable())
    stream.on('fetch', () => this.#fetches++)
    stream.on('error', (error: unknown) => this.#fail(error, 'fetch'))
    stream.on('close', () => {
      if (this.#stream === stream) this.#fail(new Error('the fetch stream closed'), 'fetch')
    })
    // The stream starts from committed offsets; a seek's rewind check corrects it to the seek.
    for (const { tp, offset } of this.#pendingSeeks.values()) this.seek(tp, offset)
    this.#pendingSeeks.clear()
  }

  #fail(error: unknown, scope: FailureScope) {
    if (!this.#closed) this.#events?.failed(error, scope)
  }

  /**
   * A rebalance begins (eager, cooperative) or partitions are about to be revoked (KIP-848, which
   * then sets the new assignment: #watchAssignments). Eager: commits wait for the join that ends it.
   * Cooperative: the wire client has just set the assignment without the partitions that move, and
   * rejoins to give them up: they are revoked now, so their records stop at once.
   */
  #onRebalance() {
    const protocol = this.#o.rebalanceProtocol
    if (protocol === 'consumer') return
    this.#rebalancing = true
    if (protocol !== 'cooperative') return
    // The cooperative-sticky subscription claims the partitions in the assignment lists: paused
    // ones must be in them too, or the group would give them to another member while this one holds
    // them. Their records are still dropped while they are paused (#deliverable).
    this.#order?.restore()
    this.#reconcile(this.#wire?.generationId ?? 0, listed(this.#wire?.assignments), true)
  }

  #onJoin(payload: ConsumerGroupJoinPayload) {
    this.#rebalancing = false
    for (const resolve of this.#joinWaiters.splice(0)) resolve()
    const generation = payload.generationId ?? this.#wire?.generationId ?? 0
    this.#reconcile(generation, listed(payload.assignments), false)
  }

  /**
   * KIP-848: the wire client replaces its assignment lists when the broker moves partitions, and
   * says nothing else (its join event carries no assignment). A setter on them reports each change.
   */
  #watchAssignments(wire: WireConsumer) {
    let lists = wire.assignments
    Object.defineProperty(wire, 'assignments', {
      configurable: true,
      enumerable: true,
      get: () => lists,
      set: (next: WireConsumer['assignments']) => {
        lists = next
        if (next !== null) this.#reconcile(++this.#epochs, listed(next), false)
      },
    })
  }

  /** Reports what `now` adds to and takes from the member's partitions (only takes, if `revokeOnly`). */
  #reconcile(generation: number, now: Map<string, TopicPartition>, revokeOnly: boolean) {
    const revoked = [...this.#assigned].filter(([key]) => !now.has(key)).map(([, tp]) => tp)
    const added = revokeOnly ? [] : [...now].filter(([key]) => !this.#assigned.has(key)).map(([, tp]) => tp)
    if (revokeOnly) for (const tp of revoked) this.#assigned.delete(tpKey(tp.topic, tp.partition))
    else this.#assigned = now
    for (const tp of revoked) this.#forget(tp)
    // A partition given (back) to this member starts from the group's committed offset. The stream
    // refreshes positions after a join, but keeps its old one for a partition the group never
    // committed: records the member fetched before it lost the partition would be skipped.
    for (const tp of added) this.#stream?.offsetsToFetch.delete(`${tp.topic}:${tp.partition}`)
    // The wire client made new assignment lists: paused partitions stay out of them.
    if (!revokeOnly) this.#order?.adopt()
    if (this.#closed || (revokeOnly && revoked.length === 0)) return
    this.#events?.assigned({ generation, added, revoked })
  }

  /** Moves a partition's next fetch to `offset`. */
  #seek(stream: WireStream, topic: string, partition: number, offset: bigint) {
    stream.offsetsToFetch.set(`${topic}:${partition}`, offset)
  }

  /**
   * The wire client flushes its autocommit before an incremental protocol gives partitions up (and
   * waits for it, with cooperative-sticky): kafkit commits nothing that way, so the flush is where
   * the runner commits its finished work, while every partition is still this member's.
   */
  #commitBeforeRevoking(stream: WireStream) {
    if (this.#o.rebalanceProtocol === 'eager') return
    const flush = Object.getOwnPropertySymbols(Object.getPrototypeOf(stream)).find(
      (symbol) => symbol.description === 'plt.kafka.messagesStream.autocommit',
    )
    if (!flush) return
    Object.defineProperty(stream, flush, {
      configurable: true,
      value: (callback?: (error?: unknown) => void) => {
        const events = this.#events
        const committed = events && !this.#closed ? events.revoking() : Promise.resolve()
        void within(this.#clock, committed, REVOKE_COMMIT_MS).then(() => callback?.(null))
      },
    })
  }

  read(): FetchedRecord | null {
    const stream = this.#stream
    if (!stream) return null
    for (;;) {
      const message = stream.read() as WireMessage | null
      if (message === null) return null
      if ((this.#held.size > 0 || this.#rewound.size > 0) && !this.#deliverable(message, stream)) continue
      if (message.partition !== this.#lastPartition || message.topic !== this.#lastTopic) {
        // A new run of records of one partition: it goes to the back of the fetch order (fairness
        // when the broker keeps no fetch session, which otherwise reorders partitions itself).
        this.#lastTopic = message.topic
        this.#lastPartition = message.partition
        this.#order?.toBack(message.topic, message.partition)
      }
      if (isSkip(message)) (message as { skip?: true }).skip = true
      return message
    }
  }

  /** Whether a record of a paused or just-rewound partition may be delivered; if not, it is dropped. */
  #deliverable(message: WireMessage, stream: WireStream): boolean {
    const key = tpKey(message.topic, message.partition)
    const held = this.#held.get(key)
    if (held) {
      // A skip is no place to rewind to (the rewind check waits for a record at that offset); the
      // resume's position (one past the last record taken) fetches its markers again.
      if (
        held.seekTo === undefined &&
        !isSkip(message) &&
        (held.rewindTo === undefined || message.offset < held.rewindTo)
      )
        held.rewindTo = message.offset
      return false
    }
    const rewound = this.#rewound.get(key)
    if (!rewound) return true
    if (message.offset === rewound.offset) {
      this.#rewound.delete(key)
      return true
    }
    // Fetched before the rewind: drop it and ask again from the rewind's offset.
    this.#seek(stream, message.topic, message.partition, rewound.offset)
    if (this.#fetches - rewound.fetchesAtResume > REWIND_FETCHES) {
      // The offset may be gone (retention): start a new stream, which reads from the committed offset.
      this.#rewound.delete(key)
      this.#held.set(key, { rewindTo: undefined, stream: -1 })
      this.#fail(new Error(`could not rewind ${message.topic}[${message.partition}] to ${rewound.offset}`), 'fetch')
    }
    return false
  }

  generationOf(record: FetchedRecord): number {
    // KIP-848 has member epochs, not generations: changes are numbered by the member (#epochs).
    if (this.#o.rebalanceProtocol === 'consumer') return this.#epochs
    return ((record as WireMessage).metadata['consumer'] as { generationId?: number } | undefined)?.generationId ?? 0
  }

  pause(tp: TopicPartition, redeliverFrom?: bigint): void {
    const key = tpKey(tp.topic, tp.partition)
    let held = this.#held.get(key)
    if (!held) {
      // Paused again before a rewind's first record came back: that record is where to go on from.
      const rewound = this.#rewound.get(key)
      this.#rewound.delete(key)
      held = { rewindTo: rewound?.offset, stream: this.#streams }
      this.#held.set(key, held)
      this.#order?.exclude(tp)
    }
    if (held.seekTo !== undefined) return // a seek said where to go on
    if (redeliverFrom !== undefined && (held.rewindTo === undefined || redeliverFrom < held.rewindTo))
      held.rewindTo = redeliverFrom
  }

  seek(tp: TopicPartition, offset: bigint): void {
    const key = tpKey(tp.topic, tp.partition)
    if (!this.#assigned.has(key)) return
    const held = this.#held.get(key)
    if (held) {
      // Paused: delivery goes on from the seek once resumed.
      held.rewindTo = offset
      held.seekTo = offset
      held.stream = this.#streams
      return
    }
    if (!this.#stream) {
      this.#pendingSeeks.set(key, { tp, offset })
      return
    }
    // Held for an instant and resumed from the seek: what this stream fetched before is dropped.
    this.#rewound.delete(key)
    this.#held.set(key, { rewindTo: offset, seekTo: offset, stream: this.#streams })
    this.#order?.exclude(tp)
    this.resume(tp, offset)
  }

  resume(tp: TopicPartition, position: bigint | undefined): void {
    const key = tpKey(tp.topic, tp.partition)
    const held = this.#held.get(key)
    if (!held) return
    this.#held.delete(key)
    const stream = this.#stream
    const from = held.rewindTo ?? position
    if (stream && from !== undefined) {
      this.#seek(stream, tp.topic, tp.partition, from)
      // Records this stream fetched before the pause may still arrive: the rewind is checked.
      if (held.rewindTo !== undefined && held.stream === this.#streams)
        this.#rewound.set(key, { offset: from, fetchesAtResume: this.#fetches })
    }
    this.#order?.include(tp)
    // The stream may have stopped fetching while it had no partition to fetch: start it again.
    if (stream && !stream.destroyed) {
      stream.pause()
      stream.resume()
    }
  }

  async commit(offsets: readonly CommitOffset[], waitMs = 0): Promise<'committed' | 'deferred'> {
    if (this.#rebalancing && waitMs > 0) await this.#rebalanceSettled(waitMs)
    const wire = this.#wire
    if (this.#rebalancing || !wire || wire.closed) return 'deferred'
    // Incremental protocols: a partition already given up is another member's to commit (it may be
    // handling it by now). Eager revokes everything at once and commits on the way out instead.
    const owned =
      this.#o.rebalanceProtocol === 'eager'
        ? offsets
        : offsets.filter((o) => this.#assigned.has(tpKey(o.topic, o.partition)))
    if (owned.length === 0) return 'deferred'
    await wire.commit({ offsets: [...owned] })
    return 'committed'
  }

  async groupIdentity(waitMs = 0): Promise<GroupIdentity | undefined> {
    if (this.#rebalancing && waitMs > 0) await this.#rebalanceSettled(waitMs)
    const wire = this.#wire
    if (this.#rebalancing || !wire || wire.closed || wire.memberId === null || wire.coordinatorId === null) return
    return {
      groupId: wire.groupId,
      generationId: wire.generationId,
      memberId: wire.memberId,
      coordinatorId: wire.coordinatorId,
    }
  }

  #rebalanceSettled(timeoutMs: number): Promise<boolean> {
    if (!this.#rebalancing || !this.#wire || this.#wire.closed) return Promise.resolve(true)
    return within(this.#clock, new Promise<void>((resolve) => this.#joinWaiters.push(resolve)), timeoutMs)
  }

  async restartFetch(): Promise<void> {
    const stream = this.#stream
    this.#stream = undefined
    await stream?.close().catch(() => undefined)
    if (this.#closed || !this.#wire) return
    // Partitions held back by a failed rewind are fetched again, from their committed offsets.
    for (const [key, held] of this.#held) {
      if (held.stream !== -1) continue
      this.#held.delete(key)
      const tp = this.#assigned.get(key)
      if (tp) this.#order?.include(tp)
    }
    await this.#openStream()
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const deadline = this.#clock.now() + timeoutMs
    const left = () => Math.max(0, deadline - this.#clock.now())
    // Closing while a rejoin is in flight lets its late answer bring the closed member back to life
    // (heartbeating forever): let a rebalance under way complete first, within the time left.
    await this.#rebalanceSettled(left())
    const stream = this.#stream
    this.#stream = undefined
    if (stream)
      await within(
        this.#clock,
        stream.close().catch(() => undefined),
        left(),
      )
    const wire = this.#wire
    if (wire) {
      if (this.#o.rebalanceProtocol !== 'consumer' && !wire.closed) await this.#leave(wire, left())
      const closed = wire
        .close(true)
        .catch((error: unknown) => this.#log.warn({ err: error }, 'leaving the group failed'))
      if (!(await within(this.#clock, closed, left()))) this.#log.warn({}, 'leaving the group did not finish in time')
    }
  }

  /**
   * Leaves the group before closing. The wire client's close() leaves too, but keeps its member
   * "active": a SyncGroup answer arriving while it closes then schedules heartbeats on the closed
   * client, every interval, for as long as the process lives. leaveGroup() ends the membership
   * first. A leave that fails or does not finish in time gives the membership up without the
   * broker (a member with no id has nothing to leave); the coordinator then evicts the member
   * after its session timeout. Upstream: close() marks the membership inactive, as leaveGroup() does.
   */
  async #leave(wire: WireConsumer, timeoutMs: number): Promise<void> {
    let left = false
    const leaving = leaveGroup(wire).then(
      () => void (left = true),
      (error: unknown) => this.#log.warn({ err: error }, 'leaving the group failed'),
    )
    await within(this.#clock, leaving, timeoutMs)
    if (left) return
    wire.memberId = null
    await leaveGroup(wire).catch(() => undefined)
  }

  get generation(): number {
    return this.#wire?.generationId ?? -1
  }

  get connected(): boolean {
    return !this.#closed && this.#wire !== undefined && !this.#wire.closed && this.#stream !== undefined
  }

  get lastHeartbeat(): Date | null {
    return this.#wire?.lastHeartbeat ?? null
  }

  get offsets(): OffsetsClient | undefined {
    // In the group is enough (offset queries need no fetch stream): the runner asks during the join.
    return !this.#closed && this.#wire !== undefined && !this.#wire.closed ? this.#wire : undefined
  }

  #forget(tp: TopicPartition) {
    const key = tpKey(tp.topic, tp.partition)
    this.#held.delete(key)
    this.#rewound.delete(key)
    this.#pendingSeeks.delete(key)
    this.#order?.forget(tp)
  }
}

/** The stand-in markSkippedEnds adds where a fetch ends with offsets that deliver nothing. */
const isSkip = (message: WireMessage): boolean => (message.metadata as Record<PropertyKey, unknown>)[SKIP] === true

/** The wire client's assignment lists as a set of partitions. */
function listed(lists: readonly { topic: string; partitions: number[] }[] | null | undefined) {
  const out = new Map<string, TopicPartition>()
  for (const { topic, partitions } of lists ?? []) {
    for (const partition of partitions) out.set(tpKey(topic, partition), { topic, partition })
  }
  return out
}

/** The distinct innermost messages of a nested error (the wire client's MultipleErrors of retries). */
function innermost(error: unknown): string {
  const leaves = new Set<string>()
  const walk = (e: unknown, depth: number) => {
    const nested = (e as { errors?: unknown[] } | null)?.errors
    if (Array.isArray(nested) && nested.length > 0 && depth < 5) for (const inner of nested) walk(inner, depth + 1)
    else leaves.add(errorMessage(e))
  }
  walk(error, 0)
  return [...leaves].join('; ')
}

/** The wire client's leaveGroup(force) as a promise (its typings pick the callback overload). */
function leaveGroup(wire: WireConsumer): Promise<void> {
  return new Promise((resolve, reject) => wire.leaveGroup(true, (error) => (error ? reject(error) : resolve())))
}
