// One consumer-group member on the wire client: joins, fetches into the worker pool, tracks and
// commits offsets, follows rebalances, and recreates whatever breaks. The wire client commits
// nothing by itself here (autocommit off) and starts from committed offsets (mode COMMITTED).
import {
  Consumer as WireConsumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type ConsumerGroupJoinPayload,
  type MessagesStream,
} from '@platformatic/kafka'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import { observeRunner } from '../observability/api.ts'
import type { RunnerTelemetry } from '../observability/consumer.ts'
import type { RunnerHealth } from '../observability/health.ts'
import { LagMonitor } from '../observability/lag.ts'
import type { RecordJob, RecordOwner, WireMessage } from './job.ts'
import { OffsetTracker, tpKey, type CommitEntry, type PartitionOffsets } from './offsets.ts'
import { WorkerPool, type Job } from './pool.ts'

export interface TopicPartition {
  topic: string
  partition: number
}

export interface RunnerHooks {
  /** Awaited before records of newly assigned partitions are handled. */
  onAssign?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Awaited after the revoked partitions' finished work was committed. */
  onRevoke?: (partitions: TopicPartition[]) => void | Promise<void>
}

export interface RunnerOptions {
  client: ClientOptions
  group: string
  topics: string[]
  logger: Logger
  concurrency: number
  maxInFlight: number
  commitIntervalMs: number
  autoOffsetReset: 'earliest' | 'latest'
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  rebalanceTimeoutMs: number
  fetchMinBytes: number
  fetchMaxBytes: number
  fetchMaxBytesPerPartition: number
  fetchMaxWaitMs: number
  /** Records the wire client may buffer ahead of the pool. */
  maxPollRecords: number
  hooks: RunnerHooks
  /** Builds the job for an admitted record, tracked by `offsets` while `owner` owns its partition. */
  createJob(message: WireMessage, offsets: PartitionOffsets, owner: RecordOwner): Job
  /** Milliseconds until a record may be handled (retry tiers), or 0. */
  dueIn?(message: WireMessage): number
  /** Rebalance and commit metrics, and gauges (undefined with telemetry off). */
  telemetry?: RunnerTelemetry | undefined
  /** How often lag is measured (ms); 0 turns lag monitoring off. */
  lagIntervalMs?: number
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

const RESTART_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000]

export class GroupRunner implements RecordOwner {
  readonly pool: WorkerPool
  readonly #options: RunnerOptions
  readonly #log: Logger
  readonly #tracker = new OffsetTracker()
  #wire: WireConsumer | undefined
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined
  #running = false
  #stopping = false
  #commitTimer: NodeJS.Timeout | undefined
  #restartTimer: NodeJS.Timeout | undefined
  #restarting: Promise<void> | undefined
  /** Between a rebalance notice and the join that ends it. */
  #rebalancing = false
  #joinWaiters: (() => void)[] = []
  #holdTimer: NodeJS.Timeout | undefined
  #committing: Promise<void> | undefined
  #commitAgain = false
  #lastCommitAt: Date | undefined
  #restarts = 0
  #failuresInRow = 0
  #paused = new Set<string>()
  #generation = -1
  #lastCommitFailedAt: Date | undefined
  readonly #lag: LagMonitor | undefined
  #unobserve: (() => void) | undefined

  constructor(options: RunnerOptions) {
    this.#options = options
    this.#log = options.logger.child({ group: options.group })
    this.pool = new WorkerPool({
      concurrency: options.concurrency,
      maxInFlight: options.maxInFlight,
      onCapacity: () => this.#resume('full'),
    })
    if (options.lagIntervalMs) {
      this.#lag = new LagMonitor(
        {
          client: () => (this.#wire && !this.#wire.closed && this.#stream ? this.#wire : undefined),
          assigned: () => this.#tracker.owned(),
          committed: (topic, partition) => this.#tracker.get(topic, partition)?.lastCommitted,
          startsAtEarliest: options.autoOffsetReset === 'earliest',
        },
        options.lagIntervalMs,
        this.#log,
      )
    }
  }

  /** The lag monitor (undefined when lag monitoring is off). */
  get lag(): LagMonitor | undefined {
    return this.#lag
  }

  owns(job: RecordJob): boolean {
    return this.#tracker.get(job.message.topic, job.message.partition) === job.offsets
  }

  get stopping(): boolean {
    return this.#stopping
  }

  /** Joins the group and starts fetching; resolves once the first stream exists. */
  async start(): Promise<void> {
    if (this.#running) return
    this.#running = true
    this.#stopping = false
    await this.#connect()
    this.#commitTimer = setInterval(() => void this.commit(), this.#options.commitIntervalMs)
    this.#lag?.start()
    if (this.#options.telemetry) {
      this.#unobserve = observeRunner({
        group: this.#options.group,
        inFlight: () => this.pool.inFlight,
        assignedCount: () => this.#tracker.size,
        lag: () => this.#lag?.partitions() ?? [],
      })
    }
  }

  #createWire(): WireConsumer {
    const o = this.#options
    const wire = new WireConsumer({
      ...wireConnectionOptions(o.client, `${o.group}-consumer`),
      groupId: o.group,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      // No successful heartbeat for a whole session means the coordinator has evicted this member:
      // that is when to recreate it. (The wire client's default waits a rebalance timeout, and a
      // member closed mid-heartbeat keeps that timer, and the process, alive for as long.)
      heartbeatStallTimeout: o.sessionTimeoutMs,
      retries: 5,
      retryDelay: 500,
    })
    wire.on('consumer:group:join', (payload) => this.#onJoin(payload))
    wire.on('consumer:group:rebalance', () => this.#onRebalance())
    wire.on('consumer:heartbeat:stalled', () => this.#scheduleRestart(new Error('heartbeats stalled'), true))
    // Without an 'error' listener the wire client's failed rejoin would crash the process.
    wire.on('error', (error: unknown) => this.#scheduleRestart(error, true))
    return wire
  }

  async #connect(): Promise<void> {
    const o = this.#options
    this.#wire ??= this.#createWire()
    const stream = await this.#wire.consume({
      topics: o.topics,
      autocommit: false,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode:
        o.autoOffsetReset === 'earliest' ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
      minBytes: o.fetchMinBytes,
      maxBytes: o.fetchMaxBytes,
      maxBytesPerPartition: o.fetchMaxBytesPerPartition,
      maxWaitTime: o.fetchMaxWaitMs,
      highWaterMark: o.maxPollRecords,
    })
    if (this.#stopping) {
      // stop() began while we were joining: what we made must not outlive it.
      await stream.close().catch(() => undefined)
      return
    }
    this.#stream = stream
    // Records are pulled (paused mode), never pushed: the wire client then fetches only when its
    // buffer runs low. Pausing and resuming a flowing stream instead made it fetch again at every
    // resume, however much it already held (16,000 records in memory for a pool of 1,000).
    stream.on('readable', () => this.#pull())
    stream.on('error', (error: unknown) => this.#scheduleRestart(error, false))
    stream.on('close', () => {
      if (this.#stream === stream && !this.#stopping) this.#scheduleRestart(new Error('the stream closed'), false)
    })
    this.#failuresInRow = 0
  }

  #onJoin(payload: ConsumerGroupJoinPayload) {
    this.#rebalancing = false
    for (const resolve of this.#joinWaiters.splice(0)) resolve()
    const generation = payload.generationId ?? this.#wire?.generationId ?? 0
    this.#generation = generation
    this.#options.telemetry?.rebalanced()
    const assigned = new Map<string, TopicPartition>()
    for (const { topic, partitions } of payload.assignments ?? []) {
      for (const partition of partitions) assigned.set(tpKey(topic, partition), { topic, partition })
    }
    const revoked = this.#tracker.owned().filter((tp) => !assigned.has(tpKey(tp.topic, tp.partition)))
    if (revoked.length > 0) this.#revoke(revoked)
    const added = [...assigned.values()].filter((tp) => !this.#tracker.get(tp.topic, tp.partition))
    for (const tp of added) this.#tracker.assign(tp.topic, tp.partition, generation)
    this.#log.info(
      {
        generation,
        assigned: [...assigned.values()].map(format),
        added: added.map(format),
        revoked: revoked.map(format),
      },
      'partitions assigned',
    )
    if (added.length > 0 && this.#options.hooks.onAssign) {
      this.#hold('assign-hook', this.#options.hooks.onAssign(added))
    }
  }

  /** Before the wire client rejoins: commit finished work while we still own the partitions. */
  /**
   * A rebalance began. No commit is sent until it completes: a commit that reaches the coordinator
   * after the generation moved on fails, and the wire client answers such a failure by rejoining,
   * which starts yet another rebalance (a storm, seen in tests). Finished work is committed right
   * after the join, revoked partitions' included.
   */
  #onRebalance() {
    this.#rebalancing = true
  }

  #revoke(partitions: TopicPartition[]) {
    const gone = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)))
    const entries = this.#tracker.commitEntries((topic, partition) => gone.has(tpKey(topic, partition)))
    for (const tp of partitions) this.#tracker.revoke(tp.topic, tp.partition)
    // Queued records of revoked partitions must not run: their new owner will handle them.
    this.pool.drop((job) => isRecordOf(job, gone))
    const committed = entries.length > 0 ? this.#commitEntries(entries) : Promise.resolve()
    void committed.then(() => this.#runRevokeHook(partitions))
  }

  async #runRevokeHook(partitions: TopicPartition[]) {
    const hook = this.#options.hooks.onRevoke
    if (!hook || partitions.length === 0) return
    try {
      await hook(partitions)
    } catch (error) {
      this.#log.error({ err: error }, 'onRevoke hook failed')
    }
  }

  #admit(message: WireMessage) {
    if (this.#stopping) return
    let offsets = this.#tracker.get(message.topic, message.partition)
    if (!offsets && this.#ownsByWire(message)) {
      offsets = this.#tracker.assign(message.topic, message.partition, this.#wire?.generationId ?? 0)
    }
    if (!offsets) return // a partition we no longer own: its records are someone else's now
    const generation = (message.metadata['consumer'] as { generationId?: number } | undefined)?.generationId ?? 0
    // Fetched before this partition came (back) to us: stale, and possibly ahead of the committed offset.
    if (generation < offsets.assignedGeneration) return
    // After a rejoin the wire client re-reads from the committed offset: skip what we already hold.
    if (!offsets.isNew(message.offset)) return
    const due = this.#options.dueIn?.(message) ?? 0
    if (due > 0) {
      this.#holdUntil(message, due)
      return
    }
    this.#dispatch(message, offsets)
  }

  /** Takes records from the stream while nothing holds it and the pool has room. */
  #pull() {
    const stream = this.#stream
    if (!stream) return
    while (this.#paused.size === 0 && !this.#stopping && !this.pool.full) {
      const message = stream.read() as WireMessage | null
      if (message === null) return
      this.#admit(message)
    }
  }

  #dispatch(message: WireMessage, offsets: PartitionOffsets) {
    offsets.dispatched(message.offset, message.leaderEpoch ?? -1)
    const job = this.#options.createJob(message, offsets, this)
    if (!this.pool.submit(job)) this.#pause('full')
  }

  /** Retry tiers: records in a tier topic share one delay, so holding the stream until the head is due is enough. */
  #holdUntil(message: WireMessage, due: number) {
    this.#pause('due')
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined
      const offsets = this.#tracker.get(message.topic, message.partition)
      if (offsets && !this.#stopping && offsets.isNew(message.offset)) this.#dispatch(message, offsets)
      this.#resume('due')
    }, due)
  }

  #hold(reason: string, work: void | Promise<void>) {
    if (!(work instanceof Promise)) return
    this.#pause(reason)
    void work.then(
      () => this.#resume(reason),
      (error: unknown) => {
        this.#log.error({ err: error }, `${reason} failed`)
        this.#resume(reason)
      },
    )
  }

  /** Stops taking records (the stream's own backpressure then stops its fetching). */
  #pause(reason: string) {
    this.#paused.add(reason)
  }

  #resume(reason: string) {
    this.#paused.delete(reason)
    if (this.#paused.size === 0 && !this.#stopping) this.#pull()
  }

  #ownsByWire(message: WireMessage): boolean {
    return (this.#wire?.assignments ?? []).some(
      (a) => a.topic === message.topic && a.partitions.includes(message.partition),
    )
  }

  /** Commits every partition's finished offsets (one commit request at a time). */
  commit(): Promise<void> {
    // Mid-rebalance: wait for the join (see #onRebalance); the commit timer comes back soon after.
    if (this.#rebalancing) return Promise.resolve()
    if (this.#committing) {
      this.#commitAgain = true
      return this.#committing
    }
    const entries = this.#tracker.commitEntries()
    if (entries.length === 0) return Promise.resolve()
    this.#committing = this.#commitEntries(entries).finally(() => {
      this.#committing = undefined
      if (this.#commitAgain) {
        this.#commitAgain = false
        void this.commit()
      }
    })
    return this.#committing
  }

  async #commitEntries(entries: CommitEntry[]): Promise<void> {
    const wire = this.#wire
    if (!wire || wire.closed) return
    const started = performance.now()
    try {
      await wire.commit({ offsets: entries })
      this.#tracker.markCommitted(entries)
      this.#lastCommitAt = new Date()
      this.#options.telemetry?.committed((performance.now() - started) / 1000, undefined)
    } catch (error) {
      this.#lastCommitFailedAt = new Date()
      this.#options.telemetry?.committed((performance.now() - started) / 1000, error)
      // Nothing is lost: the offsets stay uncommitted and the next commit carries them.
      this.#log.warn({ err: error, entries: entries.length }, `offset commit failed: ${errorMessage(error)}`)
    }
  }

  #scheduleRestart(error: unknown, recreateClient: boolean) {
    if (this.#stopping || !this.#running) return
    if (this.#restartTimer) return
    const delay = RESTART_BACKOFF_MS[Math.min(this.#failuresInRow, RESTART_BACKOFF_MS.length - 1)]!
    this.#failuresInRow++
    this.#log.warn(
      { err: error, delayMs: delay, recreateClient },
      `consumer ${recreateClient ? 'client' : 'stream'} failed; restarting`,
    )
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined
      this.#restarting = this.#restart(recreateClient).finally(() => (this.#restarting = undefined))
    }, delay)
  }

  async #restart(recreateClient: boolean) {
    if (this.#stopping) return
    this.#restarts++
    const stream = this.#stream
    this.#stream = undefined
    await stream?.close().catch(() => undefined)
    if (recreateClient || !this.#wire || this.#wire.closed) {
      const wire = this.#wire
      this.#wire = undefined
      this.#rebalancing = false // the old member's rebalance is not ours any more
      // A new member: everything we held is revoked; finished work is committed first.
      await this.commit()
      this.#revoke(this.#tracker.owned())
      await wire?.close(true).catch(() => undefined)
    }
    // stop() may have begun during the awaits above: it closes the member, we must not make a new one.
    if (this.#stopping) return
    try {
      await this.#connect()
    } catch (error) {
      this.#scheduleRestart(error, true)
    }
  }

  /**
   * Stops fetching, lets queued and running work finish within `timeoutMs`, aborts what is left,
   * commits, and leaves the group.
   */
  async stop(timeoutMs: number, abortActive: (reason: Error) => void): Promise<void> {
    if (!this.#running) return
    this.#stopping = true
    clearInterval(this.#commitTimer)
    this.#lag?.stop()
    this.#unobserve?.()
    this.#unobserve = undefined
    clearTimeout(this.#restartTimer)
    clearTimeout(this.#holdTimer)
    // A restart under way finishes first (it sees #stopping and makes nothing new).
    await this.#restarting
    let timer: NodeJS.Timeout | undefined
    const drained = await Promise.race([
      this.pool.idle().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ])
    clearTimeout(timer)
    if (!drained) {
      this.#log.warn({ inFlight: this.pool.inFlight }, 'shutdown deadline reached: aborting the handlers still running')
      abortActive(new Error('shutdown'))
      this.pool.drop(() => true)
    }
    // Closing while a rejoin is in flight lets its late answer bring the closed member back to life
    // (heartbeating forever): let a rebalance under way complete first, within its timeout.
    await this.#rebalanceSettled(this.#options.rebalanceTimeoutMs)
    await this.#committing
    await this.commit()
    // Leaving the group gives every partition up: the revoke hook runs after the final commit.
    await this.#runRevokeHook(this.#tracker.owned())
    await this.#stream?.close().catch(() => undefined)
    this.#stream = undefined
    await this.#wire?.close(true).catch((error: unknown) => this.#log.warn({ err: error }, 'leaving the group failed'))
    this.#wire = undefined
    this.#running = false
  }

  #rebalanceSettled(timeoutMs: number): Promise<void> {
    if (!this.#rebalancing || !this.#wire || this.#wire.closed) return Promise.resolve()
    let timer: NodeJS.Timeout | undefined
    return Promise.race([
      new Promise<void>((resolve) => this.#joinWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]).finally(() => clearTimeout(timer))
  }

  status(): RunnerStatus {
    return {
      running: this.#running && !this.#stopping,
      connected: this.#wire !== undefined && !this.#wire.closed && this.#stream !== undefined,
      assigned: this.#tracker.owned(),
      inFlight: this.pool.inFlight,
      lastCommitAt: this.#lastCommitAt,
      lastHeartbeat: this.#wire?.lastHeartbeat ?? null,
      generation: this.#generation,
      restarts: this.#restarts,
    }
  }

  /** What a health probe needs to know of this member (no I/O). */
  health(): RunnerHealth {
    const status = this.status()
    const heartbeat = status.lastHeartbeat
    return {
      group: this.#options.group,
      running: status.running,
      connected: status.connected,
      assigned: status.assigned,
      inFlight: status.inFlight,
      lag: this.#lag?.report,
      lastCommitAt: status.lastCommitAt,
      commitFailing:
        this.#lastCommitFailedAt !== undefined &&
        (status.lastCommitAt === undefined || this.#lastCommitFailedAt > status.lastCommitAt),
      lastHeartbeat: heartbeat,
      heartbeatStalled:
        status.connected && heartbeat !== null && Date.now() - heartbeat.getTime() > this.#options.sessionTimeoutMs,
      restarts: status.restarts,
      generation: status.generation,
    }
  }

  /** Committed offsets this member knows of, per partition (for lag). */
  committedOffsets(): Map<string, bigint | undefined> {
    const out = new Map<string, bigint | undefined>()
    for (const tp of this.#tracker.owned())
      out.set(tpKey(tp.topic, tp.partition), this.#tracker.get(tp.topic, tp.partition)?.lastCommitted)
    return out
  }
}

function format(tp: TopicPartition): string {
  return `${tp.topic}[${tp.partition}]`
}

function isRecordOf(job: Job, partitions: Set<string>): boolean {
  const message = (job as Partial<{ message: WireMessage }>).message
  return message !== undefined && partitions.has(tpKey(message.topic, message.partition))
}
