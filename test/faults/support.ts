// The fault suite's harness: the cluster `npm run test:faults` started (brokers to kill, pause and
// restart), topics replicated three times, a steady publishing load that records every outcome, the
// read-back that counts what is on a topic, and the figures each test reports.
import { appendFileSync } from 'node:fs'
import type { TestContext } from 'node:test'
import { Admin, FindCoordinatorKeyTypes } from '@platformatic/kafka'
import { z } from 'zod'
import { controlBroker, type BrokerAction } from '../../scripts/kafka/index.ts'
import { ensureTopics } from '../../src/admin/index.ts'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { newEventId } from '../../src/envelope/index.ts'
import { errorMessage, KafkitError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import type { Producer, PublishResult } from '../../src/producer/index.ts'
import { uniqueName, waitFor } from '../support/kafka.ts'
import { readRecords, recordCount } from '../producer/support.ts'

export { waitFor }

export function brokers(): string[] {
  const value = process.env['KAFKA_BROKERS']
  if (!value || !process.env['KAFKIT_FAULT_RESULTS']) throw new Error('run the fault suite with `npm run test:faults`')
  return value.split(',')
}

/** Kills, pauses or restarts one broker of the suite's cluster (nodes 1, 2, 3). */
export function control(node: number, action: BrokerAction): Promise<void> {
  return controlBroker('cluster', node, action)
}

/** Prints a test's figures and keeps them for the suite's summary (and docs/reliability.md). */
export function report(t: TestContext, figures: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(figures)) t.diagnostic(`${name}: ${JSON.stringify(value)}`)
  appendFileSync(process.env['KAFKIT_FAULT_RESULTS']!, JSON.stringify({ test: t.name, figures }) + '\n')
}

export function faultAdmin(t: TestContext, list = brokers()): Admin {
  const admin = new Admin({ clientId: uniqueName('fault-admin'), bootstrapBrokers: list, retries: 5 })
  t.after(() => admin.close().catch(() => undefined))
  return admin
}

/** An event keyed by `key`, with a per-key sequence number to check order. */
export function faultEvent(name: string, partitions: number) {
  const topic = defineTopic({ name, key: 'key', partitions, replicationFactor: 3 })
  const Seq = defineEvent({
    type: 'fault.sequenced',
    version: '1.0',
    topic,
    schema: z.object({ key: z.string(), seq: z.number() }),
  })
  return { topic, Seq }
}

/** A topic replicated on all three brokers, at least two in sync for a write (acks=all). */
export async function faultTopic(t: TestContext, prefix: string, partitions: number) {
  const name = uniqueName(`faults-${prefix}`)
  await ensureTopics(
    { brokers: brokers() },
    [{ name, partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }],
    { logger: silentLogger() },
  )
  t.after(async () => {
    const admin = new Admin({ clientId: uniqueName('fault-cleanup'), bootstrapBrokers: brokers() })
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined)
    await admin.close().catch(() => undefined)
  })
  return { name, ...faultEvent(name, partitions) }
}

/** Each partition's leader (node id), from fresh metadata. */
export async function leaders(admin: Admin, topic: string): Promise<number[]> {
  const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
  return metadata.topics.get(topic)!.partitions.map((p) => p.leader)
}

/**
 * Waits until each broker, asked on its own, reports the same leaders and leader epochs, with three
 * in-sync replicas everywhere, and returns the leaders. (A broker just resumed answers from its old
 * view for a moment: asking any one broker is not enough.)
 */
export async function waitForAgreement(t: TestContext, topic: string, timeoutMs = 120_000): Promise<number[]> {
  const admins = brokers().map((broker) => faultAdmin(t, [broker]))
  let agreed: number[] = []
  await waitFor(
    async () => {
      const views = await Promise.all(admins.map((admin) => admin.metadata({ topics: [topic], forceUpdate: true })))
      const partitions = views.map((view) => view.topics.get(topic)?.partitions ?? [])
      const signatures = partitions.map((ps) => JSON.stringify(ps.map((p) => [p.leader, p.leaderEpoch, p.isr.length])))
      const first = partitions[0]!
      const ok =
        new Set(signatures).size === 1 &&
        views.every((view) => view.brokers.size === 3) &&
        first.length > 0 &&
        first.every((p) => p.leader >= 0 && p.isr.length === 3)
      if (ok) agreed = first.map((p) => p.leader)
      return ok
    },
    `every broker to agree on ${topic}'s leaders, three in sync`,
    { timeoutMs, intervalMs: 250 },
  )
  return agreed
}

export async function coordinatorOf(admin: Admin, group: string): Promise<number> {
  const [found] = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [group] })
  return found!.nodeId
}

interface Outcome {
  key: string
  seq: number
  startedAt: number
  settledAt?: number
  result?: PublishResult
  error?: KafkitError
}

type SeqEvent = ReturnType<typeof faultEvent>['Seq']

/** Publishes one event every `everyMs` from a timer, round-robin over `keys` keys, and records each outcome. */
export class PublishLoad {
  readonly outcomes = new Map<string, Outcome>()
  /** Acknowledgement times per partition. */
  readonly acks = new Map<number, number[]>()
  readonly #producer: Producer
  readonly #event: SeqEvent
  readonly #keys: number
  readonly #everyMs: number
  readonly #pending = new Set<Promise<unknown>>()
  #timer: NodeJS.Timeout | undefined
  #next = 0

  constructor(producer: Producer, event: SeqEvent, options: { everyMs: number; keys: number }) {
    this.#producer = producer
    this.#event = event
    this.#everyMs = options.everyMs
    this.#keys = options.keys
  }

  start(t: TestContext): void {
    this.#timer = setInterval(() => this.#publishOne(), this.#everyMs)
    t.after(() => clearInterval(this.#timer))
  }

  /** Stops publishing and waits until every publish has settled. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  get acked(): number {
    let n = 0
    for (const outcome of this.outcomes.values()) if (outcome.result) n++
    return n
  }

  /** The longest time without an acknowledgement, per partition, between `from` and `to`. */
  longestGaps(from: number, to: number): Map<number, number> {
    const gaps = new Map<number, number>()
    for (const [partition, times] of this.acks) {
      const inside = times.filter((at) => at >= from && at <= to).sort((a, b) => a - b)
      const points = [from, ...inside, to]
      let longest = 0
      for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i]! - points[i - 1]!)
      gaps.set(partition, longest)
    }
    return gaps
  }

  /** The first acknowledgement on a partition after `after`. */
  firstAck(partition: number, after: number): number | undefined {
    return this.acks
      .get(partition)
      ?.filter((at) => at > after)
      .sort((a, b) => a - b)[0]
  }

  failuresByCode(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const { error } of this.outcomes.values()) {
      if (!error) continue
      const key = `${error.code}${error.details['sent'] === true ? ' (sent)' : ''}`
      counts[key] = (counts[key] ?? 0) + 1
    }
    return counts
  }

  #publishOne(): void {
    const seq = this.#next++
    const key = `key-${seq % this.#keys}`
    const id = newEventId()
    const outcome: Outcome = { key, seq, startedAt: Date.now() }
    this.outcomes.set(id, outcome)
    const done = this.#producer.publish(this.#event, { key, seq }, { id }).then(
      (result) => {
        outcome.settledAt = Date.now()
        outcome.result = result
        const times = this.acks.get(result.partition)
        if (times) times.push(outcome.settledAt)
        else this.acks.set(result.partition, [outcome.settledAt])
      },
      (error: unknown) => {
        outcome.settledAt = Date.now()
        outcome.error = KafkitError.is(error) ? error : new KafkitError('KAFKIT_PUBLISH_FAILED', String(error))
      },
    )
    this.#pending.add(done)
    void done.finally(() => this.#pending.delete(done))
  }
}

export interface Audit {
  onTopic: number
  lost: string[]
  duplicates: string[]
  /** Keys whose events are on the topic out of publish order. */
  reordered: string[]
  /** Acknowledged with an offset that is not where the event is. */
  wrongOffsets: number
  /** Reported as not sent, and on the topic all the same. */
  notSentButWritten: number
  /** Failed with an unknown outcome, and written. */
  unknownWritten: number
}

/** Reads the whole topic back (once the brokers agree on it) and checks the load's outcomes against it. */
export async function audit(t: TestContext, topic: string, load: PublishLoad): Promise<Audit> {
  await waitForAgreement(t, topic)
  const count = await recordCount(t, topic, brokers())
  const records = await readRecords(t, topic, count, { brokers: brokers(), timeoutMs: 120_000 })
  const seen = new Map<string, { partition: number; offset: bigint }[]>()
  const lastSeq = new Map<string, number>()
  const reordered = new Set<string>()
  for (const record of [...records].sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))) {
    const id = record.headers.get('event-id')!
    seen.set(id, [...(seen.get(id) ?? []), { partition: record.partition, offset: record.offset }])
    const outcome = load.outcomes.get(id)
    if (!outcome) continue
    if ((lastSeq.get(outcome.key) ?? -1) > outcome.seq) reordered.add(outcome.key)
    lastSeq.set(outcome.key, outcome.seq)
  }
  const lost: string[] = []
  let wrongOffsets = 0
  let notSentButWritten = 0
  let unknownWritten = 0
  for (const [id, outcome] of load.outcomes) {
    const copies = seen.get(id)
    if (outcome.result) {
      if (!copies) lost.push(id)
      else if (copies[0]!.offset !== outcome.result.offset || copies[0]!.partition !== outcome.result.partition)
        wrongOffsets++
    } else if (outcome.error && copies) {
      if (outcome.error.details['sent'] === false) notSentButWritten++
      else unknownWritten++
    }
  }
  const duplicates = [...seen].filter(([, copies]) => copies.length > 1).map(([id]) => id)
  return {
    onTopic: records.length,
    lost,
    duplicates,
    reordered: [...reordered],
    wrongOffsets,
    notSentButWritten,
    unknownWritten,
  }
}

/** How long `work` took and how it ended: `ok`, or the error's code and message. */
export async function timed(work: () => Promise<unknown>): Promise<{ ms: number; code: string; message?: string }> {
  const started = Date.now()
  const error = await work().then(
    () => undefined,
    (e: unknown) => e ?? new Error('rejected without an error'),
  )
  const ms = Date.now() - started
  if (error === undefined) return { ms, code: 'ok' }
  return { ms, code: KafkitError.is(error) ? error.code : 'not a KafkitError', message: errorMessage(error) }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
