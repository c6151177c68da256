// One consumer-group member at work: it reads records from its GroupMember (fetch), admits them
// (partitions.ts), hands them to the worker pool as jobs, commits finished offsets, follows
// assignment changes, replaces a member that failed, and stops within a deadline. Its life is one
// explicit state (see RunnerState); everything Kafka does goes through the member.
import { ErrorCodes, KafkitError, ShutdownError, errorMessage } from '../errors.ts'
import { withFields, type Logger } from '../logging/logger.ts'
import { observeRunner } from '../observability/api.ts'
import type { RunnerTelemetry } from '../observability/consumer.ts'
import type { RunnerHealth } from '../observability/health.ts'
import { LagMonitor } from '../observability/lag.ts'
import { within, type Clock, type Timer } from '../util/clock.ts'
import type { RecordFacts } from './context.ts'
import { RecordHeaders } from './headers.ts'
import type { HandlerRun } from './handle.ts'
import { RecordJob } from './job.ts'
import type {
  AssignmentChange,
  FailureScope,
  FetchedRecord,
  GroupMember,
  MemberEvents,
  MemberFactory,
  MemberOptions,
  TopicPartition,
} from './member.ts'
import { tpKey } from './member.ts'
import { Batcher } from './batch.ts'
import { Committer } from './committer.ts'
import { formatPartition, runHook, type RunnerHooks } from './hooks.ts'
import { Assignment, type AssignedPartition } from './partitions.ts'
import type { Pipeline } from './pipeline.ts'
import { WorkerPool } from './pool.ts'
import { RESTART_BACKOFF, backoffDelay } from './retry.ts'
import type { Ordering } from './types.ts'

export type { TopicPartition } from './member.ts'
export type { RunnerHooks } from './hooks.ts'

export interface RunnerOptions {
  group: string
  member: MemberOptions
  createMember: MemberFactory
  pipeline: Pipeline
  logger: Logger
  clock: Clock
  concurrency: number
  maxInFlight: number
  ordering: Ordering
  commitIntervalMs: number
  sessionTimeoutMs: number
  hooks: RunnerHooks
  /** The facts of a record (where it first came from: a tier record's origin). */
  facts: (record: FetchedRecord, headers: ReadonlyMap<string, string>) => RecordFacts
  /** When a record may be handled (retry tiers), if not at once. */
  dueAt?: ((headers: ReadonlyMap<string, string>) => number | undefined) | undefined
  /** Topics with a batch handler: their records go through one lane per partition, in offset order. */
  batchTopics?: ReadonlySet<string>
  /** Rebalance and commit metrics (undefined with telemetry off). */
  telemetry?: RunnerTelemetry | undefined
  /** How often lag is measured (ms); 0 turns lag monitoring off. */
  lagIntervalMs: number
}

export interface RunnerStatus {
  running: boolean
  connected: boolean
  assigned: TopicPartition[]
  inFlight: number
  lastCommitAt: Date | undefined
  lastHeartbeat: Date | null
  generation: number
  restarts: number
}

/**
 * idle → starting → running ⇄ (failed → recovering → running) → stopping → stopped.
 * A failure while starting returns to idle; stop() is accepted in every state.
 */
type RunnerState =
  | { name: 'idle' }
  | { name: 'starting'; member: GroupMember }
  | { name: 'running'; member: GroupMember }
  | { name: 'failed'; member: GroupMember; scope: FailureScope; timer: Timer }
  | { name: 'recovering'; member: GroupMember; work: Promise<void> }
  | { name: 'stopping'; member: GroupMember | undefined; done: Promise<void> }
  | { name: 'stopped' }

export class GroupRunner {
  readonly pool: WorkerPool
  /** The open batches of batch handlers (undefined when no handler takes batches). */
  readonly batches: Batcher | undefined
  readonly #o: RunnerOptions
  readonly #log: Logger
  readonly #clock: Clock
  readonly #assignment: Assignment
  readonly #lag: LagMonitor | undefined
  #state: RunnerState = { name: 'idle' }
  readonly #committer: Committer
  /** A failure reported while starting or recovering, handled as soon as the runner runs. */
  #latent: { error: unknown; scope: FailureScope } | undefined
  /** onAssign hooks under way: no record is read until they settle. */
  #assignHooks = 0
  #generation = -1
  #restarts = 0
  #failuresInRow = 0
  /**
   * Where a partition with no committed offset starts, by tpKey (autoOffsetReset "now": the end
   * offsets when start() was called). Partitions not in it start by the member's autoOffsetReset.
   */
  startOffsets: ReadonlyMap<string, bigint> | undefined
  /** Topics and partitions the application paused (consumer.pause), kept across assignments. */
  readonly #pausedTopics = new Set<string>()
  readonly #pausedPartitions = new Set<string>()
  #unobserve: (() => void) | undefined
  #unwatch: (() => void) | undefined
  /** A read stretch ended early (a batch closed unfinished): reading goes on at the next turn. */
  #readSoon: NodeJS.Immediate | undefined

  constructor(options: RunnerOptions) {
    this.#o = options
    this.#clock = options.clock
    this.#log = withFields(options.logger, { group: options.group })
    this.pool = new WorkerPool({
      concurrency: options.concurrency,
      maxInFlight: options.maxInFlight,
      clock: options.clock,
      onCapacity: () => this.#read(),
    })
    this.batches =
      options.batchTopics && options.batchTopics.size > 0
        ? new Batcher(this.pool, options.pipeline, this, options.clock, options.maxInFlight, {
            facts: options.facts,
            // A retry tier's records wait until due and carry their origin: they keep their jobs.
            direct: options.dueAt === undefined,
          })
        : undefined
    this.#assignment = new Assignment(
      {
        pause: (tp, from) => this.#member()?.pause(tp, from),
        resume: (tp, position) => this.#member()?.resume(tp, position),
      },
      options.clock,
      options.maxInFlight,
    )
    this.#committer = new Committer({
      assignment: this.#assignment,
      member: () => this.#member(),
      clock: options.clock,
      intervalMs: options.commitIntervalMs,
      logger: this.#log,
      telemetry: options.telemetry,
    })
    if (options.lagIntervalMs > 0) {
      this.#lag = new LagMonitor(
        {
          client: () => this.#member()?.offsets,
          assigned: () => this.#assignment.owned(),
          committed: (topic, partition) => this.#assignment.get(topic, partition)?.offsets.lastCommitted,
          startsAtEarliest: options.member.autoOffsetReset === 'earliest',
        },
        options.lagIntervalMs,
        this.#log,
        options.clock,
      )
    }
  }

  /** The lag monitor (undefined when lag monitoring is off). */
  get lag(): LagMonitor | undefined {
    return this.#lag
  }

  get stopping(): boolean {
    return this.#state.name === 'stopping' || this.#state.name === 'stopped'
  }

  /** Joins the group and starts fetching; resolves once the member fetches. */
  async start(): Promise<void> {
    if (this.#state.name !== 'idle') return
    const member = this.#o.createMember(this.#o.member)
    this.#state = { name: 'starting', member }
    try {
      await member.join(this.#eventsOf(member))
    } catch (error) {
      if (this.#state.name === 'starting') this.#state = { name: 'idle' }
      await member.close(this.#o.sessionTimeoutMs).catch(() => undefined)
      throw error
    }
    if (this.#state.name !== 'starting') return // stop() came first: it closes the member
    this.#running(member)
    this.#committer.start()
    this.#unwatch = this.#o.pipeline.deadlines.watch(() => this.#runningAttempts())
    this.#lag?.start()
    if (this.#o.telemetry) {
      this.#unobserve = observeRunner({
        group: this.#o.group,
        inFlight: () => this.pool.inFlight,
        assignedCount: () => this.#assignment.size,
        lag: () => this.#lag?.partitions() ?? [],
      })
    }
  }

  /** The member whose events count now. */
  #member(): GroupMember | undefined {
    const state = this.#state
    return state.name === 'idle' || state.name === 'stopped' ? undefined : state.member
  }

  #eventsOf(member: GroupMember): MemberEvents {
    const current = () => this.#member() === member
    return {
      readable: () => current() && this.#read(),
      assigned: (change) => current() && this.#assigned(change),
      failed: (error, scope) => current() && this.#failed(member, error, scope),
      // A commit under way may predate the last finished records: the second call carries them.
      revoking: () =>
        current() ? this.#committer.commitOwned().then(() => this.#committer.commitOwned()) : Promise.resolve(),
    }
  }

  /** The handler attempts running now, for their timeouts. */
  *#runningAttempts(): IterableIterator<HandlerRun> {
    for (const job of this.pool.running()) {
      const attempt = (job as RecordJob).running
      if (attempt) yield attempt
    }
  }

  /** Enters 'running' (from starting or recovering), then handles a failure reported meanwhile. */
  #running(member: GroupMember): void {
    this.#state = { name: 'running', member }
    const latent = this.#latent
    this.#latent = undefined
    if (latent) this.#failed(member, latent.error, latent.scope)
    else this.#read()
  }

  // ---- fetch → admit → dispatch ------------------------------------------------------------------

  /** Reads records while the runner runs, the pool has room, and no onAssign hook is pending. */
  #read(): void {
    const state = this.#state
    if (state.name !== 'running' || this.#assignHooks > 0) return
    const member = state.member
    const batches = this.batches
    batches?.takeClosedUnfinished()
    while (!this.pool.full) {
      const record = member.read()
      if (record === null) return
      this.#admit(member, record)
      // A batch closed and runs on (its handler returned a promise): stop here and read on at the
      // next turn of the event loop, so that a handler settling meanwhile (without waiting for I/O)
      // gives its records back first; the pool then holds little more than the open batches.
      if (batches?.takeClosedUnfinished()) return this.#readNextTurn()
    }
    // Full, partly with records waiting in open batches: they run now rather than wait for more.
    this.batches?.closeAll()
  }

  #readNextTurn(): void {
    this.#readSoon ??= setImmediate(() => {
      this.#readSoon = undefined
      this.#read()
    })
  }

  #admit(member: GroupMember, record: FetchedRecord): void {
    const dueAt = this.#o.dueAt
    const headers = new RecordHeaders(record.headerEntries)
    const partition = this.#assignment.admit(record, member.generationOf(record), dueAt ? dueAt(headers) : undefined)
    if (!partition) return
    partition.offsets.dispatched(record.offset, record.leaderEpoch ?? -1)
    // Markers and aborted records stepped over: done at once, committable behind every record before.
    if (record.skip) return partition.offsets.done(record.offset)
    const batches = this.#o.batchTopics?.has(record.topic) === true ? this.batches : undefined
    if (batches?.take(record, headers, partition)) return
    const job = new RecordJob(
      this.#o.pipeline,
      this,
      record,
      headers,
      this.#o.facts(record, headers),
      partition.laneOf(batches ? 'partition' : this.#o.ordering, record),
      partition,
    )
    this.pool.submit(batches ? batches.queue(job) : job)
  }

  // ---- assignment ------------------------------------------------------------------------------

  #assigned(change: AssignmentChange): void {
    this.#generation = change.generation
    this.#o.telemetry?.rebalanced()
    const revoked = this.#revoke(change.revoked)
    const added = this.#assignment.add(change.added, change.generation)
    this.#log.info(
      {
        generation: change.generation,
        assigned: this.#assignment.owned().map(formatPartition),
        added: added.map(formatPartition),
        revoked: revoked.map(formatPartition),
      },
      'partitions assigned',
    )
    for (const partition of added) if (this.#isUserPaused(partition)) partition.pausedByUser(true)
    if (added.length > 0 && this.startOffsets) this.#startUncommitted(added, this.startOffsets)
    if (added.length > 0 && this.#o.hooks.onAssign) this.#runAssignHook(added)
    // Commits deferred while the group rebalanced go out now: a crash soon after a join re-handles
    // no more than one commit interval of work.
    this.#committer.now()
  }

  /**
   * Partitions new to the group (nothing committed) start at `starts` (the end offsets when the
   * consumer started): no record is read until that is known, so none produced since is missed.
   */
  #startUncommitted(added: readonly AssignedPartition[], starts: ReadonlyMap<string, bigint>): void {
    const candidates = added.filter((p) => starts.has(tpKey(p.topic, p.partition)))
    const member = this.#member()
    const client = member?.offsets
    if (candidates.length === 0 || !member) return
    this.#assignHooks++
    const byTopic = new Map<string, number[]>()
    for (const p of candidates) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition])
    const query = client
      ? client.listCommittedOffsets({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) })
      : Promise.reject(new Error('the group member is not connected'))
    void bounded(this.#clock, query, this.#o.sessionTimeoutMs, 'the committed offsets')
      .then((committed) => {
        if (this.#member() !== member) return
        for (const p of candidates) {
          const offset = committed.get(p.topic)?.[p.partition]
          if (offset !== undefined && offset >= 0n) continue
          if (this.#assignment.get(p.topic, p.partition) === p)
            this.#seek(member, p, starts.get(tpKey(p.topic, p.partition))!)
        }
      })
      .catch((error: unknown) => {
        if (this.#member() === member) this.#failed(member, error, 'member')
      })
      .finally(() => {
        this.#assignHooks--
        this.#read()
      })
  }

  // ---- flow control (consumer.pause / resume / seek) -----------------------------------------

  #isUserPaused(tp: TopicPartition): boolean {
    return this.#pausedTopics.has(tp.topic) || this.#pausedPartitions.has(tpKey(tp.topic, tp.partition))
  }

  /** Stops fetching the topic's partitions (all, or those listed), now and whenever assigned again. */
  pause(topic: string, partitions?: readonly number[]): void {
    if (partitions === undefined) this.#pausedTopics.add(topic)
    else for (const p of partitions) this.#pausedPartitions.add(tpKey(topic, p))
    this.#applyPauses(topic)
  }

  /**
   * Fetches them again. Resuming some partitions of a topic paused as a whole keeps the other
   * partitions this member owns now paused.
   */
  resume(topic: string, partitions?: readonly number[]): void {
    if (partitions === undefined) {
      this.#pausedTopics.delete(topic)
      for (const key of [...this.#pausedPartitions])
        if (key.startsWith(tpKey(topic, 0).slice(0, -1))) this.#pausedPartitions.delete(key)
    } else {
      if (this.#pausedTopics.delete(topic)) {
        for (const owned of this.#assignment.owned())
          if (owned.topic === topic) this.#pausedPartitions.add(tpKey(topic, owned.partition))
      }
      for (const p of partitions) this.#pausedPartitions.delete(tpKey(topic, p))
    }
    this.#applyPauses(topic)
  }

  /** The owned partitions the application paused. */
  paused(): TopicPartition[] {
    return this.#assignment
      .owned()
      .filter((p) => p.userPaused)
      .map(({ topic, partition }) => ({ topic, partition }))
  }

  #applyPauses(topic: string): void {
    for (const owned of this.#assignment.owned())
      if (owned.topic === topic) owned.pausedByUser(this.#isUserPaused(owned))
  }

  /**
   * Delivery of an owned partition goes on from `offset`. Its queued records are dropped, a record
   * running now finishes but is not committed, and the next commit carries `offset`.
   */
  seek(tp: TopicPartition, offset: bigint): void {
    const member = this.stopping ? undefined : this.#member()
    const owned = this.#assignment.get(tp.topic, tp.partition)
    if (!member || !owned)
      throw new KafkitError(
        ErrorCodes.CONSUMER_STATE,
        `cannot seek ${tp.topic}[${tp.partition}]: it is not assigned to this consumer now`,
      )
    if (offset < 0n) throw new KafkitError(ErrorCodes.CONSUMER_STATE, `cannot seek to offset ${offset}`)
    this.#seek(member, owned, offset)
  }

  #seek(member: GroupMember, owned: AssignedPartition, offset: bigint): void {
    // The member first: records of the old position read from now on are dropped there.
    member.seek(owned, offset)
    const reset = this.#assignment.reset(owned, offset)!
    if (reset.old.paused && !reset.now.paused) member.resume(reset.now, offset)
    this.batches?.discard(new Set<object>([reset.old]))
    this.pool.drop((job) => job.owner === reset.old)
    this.#log.info({ topic: owned.topic, partition: owned.partition, offset: offset.toString() }, 'partition sought')
  }

  /** Seeks to the first record at or after `timestamp` (ms), or to the end when there is none. */
  async seekToTime(tp: TopicPartition, timestamp: number): Promise<void> {
    const client = this.#member()?.offsets
    if (!client)
      throw new KafkitError(ErrorCodes.CONSUMER_STATE, `cannot seek ${tp.topic}[${tp.partition}]: not connected`)
    const ask = (at: bigint) =>
      bounded(
        this.#clock,
        client.listOffsets({ topics: [tp.topic], partitions: { [tp.topic]: [tp.partition] }, timestamp: at }),
        this.#o.sessionTimeoutMs,
        `the offsets of ${tp.topic}[${tp.partition}]`,
      )
    let found = (await ask(BigInt(timestamp))).get(tp.topic)?.[tp.partition]
    if (found === undefined || found < 0n) found = (await ask(-1n)).get(tp.topic)?.[tp.partition]
    if (found === undefined || found < 0n)
      throw new KafkitError(
        ErrorCodes.CONSUMER_STATE,
        `could not find the offset of ${tp.topic}[${tp.partition}] at ${new Date(timestamp).toISOString()}`,
      )
    this.seek(tp, found)
  }

  /**
   * Gives partitions up: their queued records are dropped (the next owner handles them), their
   * finished work is committed, then onRevoke runs. Returns the partitions given up.
   */
  #revoke(partitions: readonly TopicPartition[]): AssignedPartition[] {
    const offsets = this.#assignment.commitOffsets(
      partitions.flatMap((tp) => this.#assignment.get(tp.topic, tp.partition) ?? []),
    )
    const revoked = this.#assignment.revoke(partitions)
    if (revoked.length === 0) return revoked
    const gone = new Set<object>(revoked)
    this.batches?.discard(gone)
    this.pool.drop((job) => gone.has(job.owner))
    const member = this.#member()
    const committed = member ? this.#committer.commit(member, offsets, revoked) : Promise.resolve()
    void committed.then(() => runHook(this.#log, 'onRevoke', this.#o.hooks.onRevoke, revoked))
    return revoked
  }

  #runAssignHook(partitions: readonly TopicPartition[]): void {
    this.#assignHooks++
    const settled = () => {
      this.#assignHooks--
      this.#read()
    }
    void runHook(this.#log, 'onAssign', this.#o.hooks.onAssign, partitions).then(settled)
  }

  /** Commits every owned partition's finished offsets now (one commit request at a time). */
  commit(): Promise<void> {
    return this.#committer.commitOwned()
  }

  // ---- failures --------------------------------------------------------------------------------

  #failed(member: GroupMember, error: unknown, scope: FailureScope): void {
    const state = this.#state
    if (state.name === 'failed') {
      // A lost membership outweighs a broken fetch reported first.
      if (scope === 'member') this.#state = { ...state, scope }
      return
    }
    if (state.name === 'starting' || state.name === 'recovering') {
      // Handled once the member runs: a failure now must not be lost.
      if (this.#latent?.scope !== 'member') this.#latent = { error, scope }
      return
    }
    if (state.name !== 'running') return
    const delayMs = backoffDelay(RESTART_BACKOFF, ++this.#failuresInRow)
    this.#log.warn(
      { err: error, delayMs, scope },
      `consumer ${scope === 'member' ? 'group member' : 'fetching'} failed: ${errorMessage(error)}; restarting`,
    )
    const timer = this.#clock.setTimeout(() => this.#recover(), delayMs)
    this.#state = { name: 'failed', member, scope, timer }
  }

  #recover(): void {
    const state = this.#state
    if (state.name !== 'failed') return
    this.#restarts++
    const work = (state.scope === 'fetch' ? this.#restartFetch(state.member) : this.#replace(state.member)).then(
      (member) => {
        if (this.#state.name !== 'recovering') return
        this.#failuresInRow = 0
        this.#running(member)
      },
      (error: unknown) => {
        const current = this.#state
        if (current.name !== 'recovering') return
        this.#state = { name: 'running', member: current.member }
        this.#failed(current.member, error, 'member')
      },
    )
    this.#state = { name: 'recovering', member: state.member, work }
  }

  async #restartFetch(member: GroupMember): Promise<GroupMember> {
    await member.restartFetch()
    return member
  }

  /**
   * A new member in place of a failed one. The old member's finished work is committed first (it
   * may still be in the group), then all its partitions are given up and it leaves.
   */
  async #replace(old: GroupMember): Promise<GroupMember> {
    await within(this.#clock, this.#committer.commit(old, this.#assignment.commitOffsets()), this.#o.sessionTimeoutMs)
    const revoked = this.#assignment.revokeAll()
    this.batches?.discard(new Set<object>(revoked))
    this.pool.drop((job) => revoked.includes(job.owner as AssignedPartition))
    void runHook(this.#log, 'onRevoke', this.#o.hooks.onRevoke, revoked)
    await old.close(this.#o.sessionTimeoutMs).catch(() => undefined)
    if (this.#state.name !== 'recovering') return old
    const member = this.#o.createMember(this.#o.member)
    this.#state = { name: 'recovering', member, work: this.#state.work }
    await member.join(this.#eventsOf(member))
    return member
  }

  // ---- stop ------------------------------------------------------------------------------------

  /**
   * Stops reading; gives back records waiting for a retry; lets queued and running work finish
   * until `drainUntil`; interrupts what still runs; commits; runs onRevoke; leaves the group. Every
   * step keeps to `deadline` (clock ms). Records not finished stay uncommitted: delivered again.
   */
  stop(drainUntil: number, deadline: number): Promise<void> {
    const state = this.#state
    if (state.name === 'stopping') return state.done
    if (state.name === 'stopped') return Promise.resolve()
    const done = this.#stop(state, drainUntil, deadline)
    this.#state = { name: 'stopping', member: this.#member(), done }
    return done
  }

  async #stop(previous: RunnerState, drainUntil: number, deadline: number): Promise<void> {
    const left = () => Math.max(0, deadline - this.#clock.now())
    this.#committer.stop()
    if (this.#readSoon) clearImmediate(this.#readSoon)
    this.#unwatch?.()
    this.#lag?.stop()
    this.#unobserve?.()
    if (previous.name === 'failed') this.#clock.clearTimeout(previous.timer)
    if (previous.name === 'recovering') await within(this.#clock, previous.work, left())
    const member = previous.name === 'idle' || previous.name === 'stopped' ? undefined : this.#member()
    // Waiting for a retry is not a failure: those records are given back, uncommitted.
    this.pool.dropWaiting()
    // Open batches run as they are: nothing more will join them.
    this.batches?.closeAll()
    if (!(await within(this.#clock, this.pool.idle(), Math.max(0, drainUntil - this.#clock.now())))) {
      this.#log.warn(
        { inFlight: this.pool.inFlight },
        'shutdown deadline reached: interrupting the handlers still running',
      )
      this.pool.interruptRunning(new ShutdownError())
    }
    this.pool.close()
    // The final commit waits for a rebalance under way to end, within the deadline.
    if (member)
      await within(this.#clock, this.#committer.commit(member, this.#assignment.commitOffsets(), [], left()), left())
    // Leaving the group gives every partition up: onRevoke runs after the final commit.
    await within(this.#clock, runHook(this.#log, 'onRevoke', this.#o.hooks.onRevoke, this.#assignment.owned()), left())
    this.#assignment.revokeAll()
    if (member) {
      const left_ = member
        .close(left())
        .catch((error: unknown) => this.#log.warn({ err: error }, 'leaving the group failed'))
      if (!(await within(this.#clock, left_, left())))
        this.#log.warn({}, 'leaving the group did not finish by the shutdown deadline')
    }
    this.#state = { name: 'stopped' }
  }

  // ---- status ----------------------------------------------------------------------------------

  status(): RunnerStatus {
    const member = this.#member()
    const running = this.#state.name !== 'idle' && !this.stopping
    return {
      running,
      connected: running && member !== undefined && member.connected,
      assigned: this.#assignment.owned().map(({ topic, partition }) => ({ topic, partition })),
      inFlight: this.pool.inFlight,
      lastCommitAt: this.#committer.lastCommitAt,
      lastHeartbeat: member?.lastHeartbeat ?? null,
      generation: this.#generation,
      restarts: this.#restarts,
    }
  }

  /** What a health probe needs to know of this member (no I/O). */
  health(): RunnerHealth {
    const status = this.status()
    const heartbeat = status.lastHeartbeat
    return {
      group: this.#o.group,
      running: status.running,
      connected: status.connected,
      assigned: status.assigned,
      inFlight: status.inFlight,
      lag: this.#lag?.report,
      lastCommitAt: status.lastCommitAt,
      commitFailing: this.#committer.failing,
      lastHeartbeat: heartbeat,
      heartbeatStalled:
        status.connected && heartbeat !== null && this.#clock.now() - heartbeat.getTime() > this.#o.sessionTimeoutMs,
      restarts: status.restarts,
      generation: status.generation,
    }
  }
}

/** `work`'s result, or a KafkitError naming `what` once `ms` have passed. */
async function bounded<T>(clock: Clock, work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(
      () =>
        reject(
          new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `${what} did not come within ${ms} ms`, { retryable: true }),
        ),
      ms,
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clock.clearTimeout(timer)
  }
}
