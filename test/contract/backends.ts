// The two backends the contract suite runs on: the in-memory Kafka of kafkit/testing, and the real
// broker (KAFKA_BROKERS). Each gives a kafkit instance over a catalog, consumers, a way to wait on a
// condition, to read a topic's raw records, to read a group's committed offsets, and to crash a
// consumer. The suite's assertions are the same on both: a difference is a bug in the in-memory Kafka.
import type { TestContext } from 'node:test'
import { Admin, FetchIsolationLevels } from '@platformatic/kafka'
import { Catalog } from '../../src/catalog/catalog.ts'
import type { AnyEvent } from '../../src/catalog/event.ts'
import type { Consumer } from '../../src/consumer/consumer.ts'
import type { GroupMember, Isolation, MemberEvents, MemberFactory } from '../../src/consumer/member.ts'
import { wireMembers } from '../../src/consumer/wire-member.ts'
import { Kafkit, type KafkitConsumerOptions } from '../../src/kafkit/kafkit.ts'
import { createLogger } from '../../src/logging/logger.ts'
import type { InMemoryMember } from '../../src/testing/member.ts'
import { createTestKafkit, type StoredRecord, type TestKafkit } from '../../src/testing/index.ts'
import { systemClock } from '../../src/util/clock.ts'
import { readWithIsolation } from '../support/isolation-reader.ts'
import { brokers, deleteAfter, readTopic, uniqueName, waitFor } from '../support/kafka.ts'

export interface RawRecord {
  key: Buffer | null
  value: Buffer | null
  headers: [Buffer, Buffer | null][]
  partition: number
  offset: bigint
}

export interface World<E extends AnyEvent> {
  kafkit: Kafkit<E>
  /** A consumer; started by the caller. */
  consumer(options?: KafkitConsumerOptions): Consumer<E>
  /** Waits until `condition` holds (fails after `timeoutMs`). */
  waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>
  /** The records of a topic, in partition then offset order (at least `count` of them). */
  read(topic: string, count: number): Promise<RawRecord[]>
  /**
   * A topic's records as a downstream consumer with `isolation` reads them from the start, in offset
   * order, until `done` holds (read_committed: no aborted records, none of an open transaction).
   */
  readAs(topic: string, isolation: Isolation, done: (records: RawRecord[]) => boolean): Promise<RawRecord[]>
  /** The group's committed offset of a partition. */
  committed(group: string, topic: string, partition: number): Promise<bigint | undefined>
  /** A partition's log end offset (ListOffsets, latest): one past its last record or transaction marker. */
  endOffset(topic: string, partition: number): Promise<bigint>
  /** The consumer's process dies: it commits nothing more and its partitions go to the others. */
  crash(consumer: Consumer<E>): Promise<void>
}

export interface Backend {
  name: 'in-memory' | 'kafka'
  world<E extends AnyEvent>(t: TestContext, events: readonly E[]): Promise<World<E>>
}

const logger = () => createLogger({ level: process.env['LOG_LEVEL'] ?? 'silent' })

export const inMemory: Backend = {
  name: 'in-memory',
  world<E extends AnyEvent>(t: TestContext, events: readonly E[]): Promise<World<E>> {
    const kit: TestKafkit<E> = createTestKafkit({ catalog: events, service: uniqueName('svc'), logger: logger() })
    t.after(() => kit.close())
    const membersOf = new Map<Consumer<E>, string>()
    return Promise.resolve({
      kafkit: kit.kafkit,
      consumer: (options) => {
        const consumer = kit.consumer(options)
        membersOf.set(consumer, consumer.group)
        return consumer
      },
      waitFor: (condition, what, timeoutMs = 10_000) => {
        let holds = false
        const check = () => {
          const result = condition()
          if (typeof result === 'boolean') return result
          void result.then((v) => (holds = v))
          return holds
        }
        return kit.waitFor(check, { timeout: timeoutMs, describe: () => what })
      },
      read: async (topic, count) => {
        await kit.waitFor(() => kit.broker.records(topic).length >= count, {
          describe: () => `${count} records in ${topic}`,
        })
        return kit.broker.records(topic).map(raw)
      },
      readAs: async (topic, isolation, done) => {
        const read = () => kit.broker.records(topic, undefined, { isolation }).map(raw)
        await kit.waitFor(() => done(read()), { describe: () => `${topic} read as ${isolation}` })
        return read()
      },
      committed: (group, topic, partition) => Promise.resolve(kit.broker.committed(group, topic, partition)),
      endOffset: (topic, partition) => Promise.resolve(kit.broker.endOffset(topic, partition)),
      crash: (consumer) => {
        // The members this consumer's runners hold now (its source group and its tier groups).
        const group = consumer.group
        for (const id of kit.broker.groupIds()) {
          if (id !== group && !id.startsWith(`${group}.retry-`)) continue
          const g = kit.broker.group(id)
          for (const member of [...g.members] as InMemoryMember[]) if (ownedBy(consumer, member)) g.crash(member)
        }
        return Promise.resolve()
      },
    })
  },
}

function raw(r: StoredRecord): RawRecord {
  return {
    key: r.key ?? null,
    value: r.value ?? null,
    headers: r.headerEntries.map(([k, v]) => [k, v ?? null] as [Buffer, Buffer | null]),
    partition: r.partition,
    offset: r.offset,
  }
}

/** In memory, a consumer's members are the ones its runners hold (status() names their groups). */
function ownedBy(consumer: Consumer, member: InMemoryMember): boolean {
  return consumer.status().runners.some((r) => r.group === member.options.group && r.generation === member.generation)
}

export const kafka: Backend = {
  name: 'kafka',
  async world<E extends AnyEvent>(t: TestContext, events: readonly E[]): Promise<World<E>> {
    const catalog = new Catalog(events)
    const kafkit = new Kafkit<E>({
      service: uniqueName('svc'),
      catalog,
      client: { brokers: brokers(), clientId: uniqueName('contract') },
      logger: logger(),
    })
    const created = new Set<string>()
    deleteAfter(t, () => [...created])
    const report = await kafkit.provision()
    for (const name of [...report.created, ...report.existing]) created.add(name)
    for (const topic of catalog.topics()) created.add(topic.name)
    t.after(() => kafkit.close())
    const admin = new Admin({ clientId: uniqueName('contract-admin'), bootstrapBrokers: brokers() })
    t.after(() => admin.close())
    const crashable = new Map<Consumer<E>, Crashable[]>()
    return {
      kafkit,
      consumer: (options = {}) => {
        const members: Crashable[] = []
        const real = wireMembers(kafkit.client, kafkit.logger, systemClock)
        const factory: MemberFactory = (o) => {
          const member = new Crashable(real(o))
          members.push(member)
          // Tier topics are made by the consumer on start: delete them after the test too.
          for (const topic of o.topics) created.add(topic)
          return member
        }
        const consumer = kafkit.consumer({ ...options, groupMember: factory })
        crashable.set(consumer, members)
        return consumer
      },
      waitFor: (condition, what, timeoutMs = 60_000) => waitFor(condition, what, { timeoutMs }),
      read: async (topic, count) =>
        (await readTopic(t, topic, count)).map((r) => ({
          key: r.key ?? null,
          value: r.value ?? null, // the wire client reads a tombstone's value as undefined
          headers: [...r.headers].map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as [Buffer, Buffer | null]),
          partition: r.partition,
          offset: r.offset,
        })),
      readAs: (topic, isolation, done) => readWithIsolation(topic, isolation, done),
      committed: async (group, topic, partition) => {
        const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] })
        const found = offsets?.topics
          .find((x) => x.name === topic)
          ?.partitions.find((p) => p.partitionIndex === partition)
        return found && found.committedOffset >= 0n ? found.committedOffset : undefined
      },
      endOffset: async (topic, partition) => {
        const [found] = await admin.listOffsets({
          topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: -1n }] }],
          isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
        })
        const offset = found?.partitions.find((p) => p.partitionIndex === partition)?.offset
        if (offset === undefined) throw new Error(`no end offset for ${topic}[${partition}]`)
        return offset
      },
      crash: async (consumer) => {
        await Promise.all((crashable.get(consumer) ?? []).map((m) => m.crash()))
      },
    }
  },
}

/**
 * A wire member whose process can "die": from then on it answers nothing, commits nothing, and its
 * connection to the group ends (the broker gives its partitions to the others).
 */
class Crashable implements GroupMember {
  readonly #inner: GroupMember
  #dead = false

  constructor(inner: GroupMember) {
    this.#inner = inner
  }

  async crash(): Promise<void> {
    if (this.#dead) return
    this.#dead = true
    await this.#inner.close(10_000)
  }

  join(events: MemberEvents): Promise<void> {
    return this.#inner.join({
      readable: () => !this.#dead && events.readable(),
      assigned: (change) => !this.#dead && events.assigned(change),
      failed: (error, scope) => !this.#dead && events.failed(error, scope),
      revoking: () => (this.#dead ? Promise.resolve() : events.revoking()),
    })
  }
  read() {
    return this.#dead ? null : this.#inner.read()
  }
  generationOf(record: Parameters<GroupMember['generationOf']>[0]) {
    return this.#inner.generationOf(record)
  }
  pause(...args: Parameters<GroupMember['pause']>) {
    if (!this.#dead) this.#inner.pause(...args)
  }
  resume(...args: Parameters<GroupMember['resume']>) {
    if (!this.#dead) this.#inner.resume(...args)
  }
  seek(...args: Parameters<GroupMember['seek']>) {
    if (!this.#dead) this.#inner.seek(...args)
  }
  commit(...args: Parameters<GroupMember['commit']>) {
    return this.#dead ? Promise.reject(new Error('the member crashed')) : this.#inner.commit(...args)
  }
  groupIdentity(waitMs?: number) {
    return this.#dead ? Promise.resolve(undefined) : (this.#inner.groupIdentity?.(waitMs) ?? Promise.resolve(undefined))
  }
  restartFetch() {
    return this.#dead ? Promise.resolve() : this.#inner.restartFetch()
  }
  close(timeoutMs: number) {
    return this.#dead ? Promise.resolve() : this.#inner.close(timeoutMs)
  }
  get generation() {
    return this.#inner.generation
  }
  get connected() {
    return !this.#dead && this.#inner.connected
  }
  get lastHeartbeat() {
    return this.#inner.lastHeartbeat
  }
  get offsets() {
    return this.#dead ? undefined : this.#inner.offsets
  }
}

export const backends: Backend[] = [inMemory, kafka]

export { uniqueName }
