// A group member the test drives by hand: it assigns and revokes partitions, delivers records,
// reports failures, and logs every call the runner makes (pause, resume, commit, close). With a
// ManualClock it makes interleavings of rebalances, retries, due times and shutdown deterministic.
// It is not a Kafka: it holds no log and fetches nothing by itself; the test says what arrives.
import type {
  AssignmentChange,
  CommitOffset,
  FailureScope,
  FetchedRecord,
  GroupMember,
  MemberEvents,
  MemberOptions,
  TopicPartition,
} from '../../src/consumer/member.ts'
import { createEnvelope, envelopeHeaders, jsonCodec } from '../../src/envelope/index.ts'

const key = (tp: TopicPartition) => `${tp.topic}[${tp.partition}]`

export class ScriptedMember implements GroupMember {
  readonly options: MemberOptions
  /** Every call the runner made, in order: "join", "pause t[0] from 3", "commit t[0]=4", … */
  readonly calls: string[] = []
  readonly commits: CommitOffset[][] = []
  generation = 0
  connected = false
  readonly lastHeartbeat = null
  readonly offsets = undefined
  /** Make commit() reject (a coordinator that does not answer). */
  failCommits = false
  /** Make commit() answer 'deferred' (a rebalance under way). */
  deferCommits = false
  /** Make close() never settle (a member that hangs while leaving). */
  hangOnClose = false
  /** Runs inside join(), once the member can report events (e.g. a failure while joining). */
  whileJoining: (() => void) | undefined
  #events: MemberEvents | undefined
  readonly #queue: { record: FetchedRecord; generation: number }[] = []
  readonly #fetchedIn = new WeakMap<FetchedRecord, number>()
  readonly #paused = new Set<string>()

  constructor(options: MemberOptions) {
    this.options = options
  }

  join(events: MemberEvents): Promise<void> {
    this.#events = events
    this.connected = true
    this.calls.push('join')
    this.whileJoining?.()
    return Promise.resolve()
  }

  // ---- what the test does -------------------------------------------------------------------

  /** A rebalance ended: partitions given and lost, in a new generation. */
  assign(added: TopicPartition[], revoked: TopicPartition[] = []): void {
    for (const tp of revoked) this.#paused.delete(key(tp)) // a pause ends with the assignment
    const change: AssignmentChange = { generation: ++this.generation, added, revoked }
    this.#events!.assigned(change)
  }

  /** Records fetched (in the current generation) and ready to be read. */
  deliver(...records: FetchedRecord[]): void {
    for (const record of records) this.#queue.push({ record, generation: this.generation })
    this.#events!.readable()
  }

  fail(error: Error, scope: FailureScope): void {
    this.#events!.failed(error, scope)
  }

  // ---- GroupMember --------------------------------------------------------------------------

  read(): FetchedRecord | null {
    for (;;) {
      const next = this.#queue.shift()
      if (!next) return null
      if (this.#paused.has(key(next.record))) continue // not delivered: fetched again on resume
      this.#fetchedIn.set(next.record, next.generation)
      return next.record
    }
  }

  generationOf(record: FetchedRecord): number {
    return this.#fetchedIn.get(record) ?? this.generation
  }

  pause(tp: TopicPartition, redeliverFrom?: bigint): void {
    this.#paused.add(key(tp))
    this.calls.push(`pause ${key(tp)}${redeliverFrom === undefined ? '' : ` from ${redeliverFrom}`}`)
  }

  resume(tp: TopicPartition, position: bigint | undefined): void {
    this.#paused.delete(key(tp))
    this.calls.push(`resume ${key(tp)}${position === undefined ? '' : ` at ${position}`}`)
  }

  commit(offsets: readonly CommitOffset[]): Promise<'committed' | 'deferred'> {
    if (this.failCommits) return Promise.reject(new Error('the coordinator does not answer'))
    if (this.deferCommits) return Promise.resolve('deferred')
    this.commits.push([...offsets])
    for (const o of offsets) this.calls.push(`commit ${o.topic}[${o.partition}]=${o.offset}`)
    return Promise.resolve('committed')
  }

  restartFetch(): Promise<void> {
    this.calls.push('restart fetch')
    return Promise.resolve()
  }

  close(): Promise<void> {
    this.calls.push('close')
    this.connected = false
    return this.hangOnClose ? new Promise<void>(() => undefined) : Promise.resolve()
  }
}

/** Members made by a consumer, by group, in order of creation. */
export function scriptedMembers() {
  const byGroup = new Map<string, ScriptedMember[]>()
  let prepare: ((member: ScriptedMember) => void) | undefined
  return {
    /** Prepares the next member made (before it joins). */
    prepareNext: (fn: (member: ScriptedMember) => void) => (prepare = fn),
    factory: (options: MemberOptions) => {
      const member = new ScriptedMember(options)
      prepare?.(member)
      prepare = undefined
      byGroup.set(options.group, [...(byGroup.get(options.group) ?? []), member])
      return member
    },
    of: (group: string, index = -1) => byGroup.get(group)?.at(index),
    all: (group: string) => byGroup.get(group) ?? [],
  }
}

/** A `test.happened` event record as kafkit's producer writes it. */
export function happenedRecord(
  topic: string,
  partition: number,
  offset: bigint,
  entity: string,
  extraHeaders: Record<string, string> = {},
): FetchedRecord {
  const envelope = createEnvelope({
    type: 'test.happened',
    version: '1.0',
    source: 'script',
    payload: { entity, seq: 0 },
  })
  const headers = { ...envelopeHeaders(envelope, jsonCodec.contentType), ...extraHeaders }
  return {
    topic,
    partition,
    offset,
    timestamp: BigInt(Date.UTC(2026, 0, 1)),
    leaderEpoch: 0,
    key: Buffer.from(entity),
    value: jsonCodec.encode(envelope).value,
    headerEntries: Object.entries(headers).map(([name, value]) => [Buffer.from(name), Buffer.from(String(value))]),
  }
}
