// Retry tiers across rebalances: a record waiting in a tier never outlives its partition's assignment,
// so nothing before it is skipped and nothing is committed before it was handled.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import { Admin, Consumer as WireConsumer, MessagesStreamModes } from '@platformatic/kafka'
import { ensureTopics, retryTopicSpecs, topicSpecsFor } from '../../src/admin/index.ts'
import { Consumer, tierGroupId, tierTopicName } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { brokers, defer, deleteAfter, readTopic, track, uniqueName, waitFor } from '../support/kafka.ts'
import { happenedEvent } from './fixtures/happened.ts'

const TIER_MS = 10_000
const ROUNDS = 3

/**
 * A member of a tier's group that decides every assignment of that group. It joins before the
 * consumer's tier runner, so the coordinator makes it the group's leader, and the leader's assignor
 * is the one that runs: the tier partition goes to the runner or to this member, as the test says,
 * at every rebalance. (The consumer's round-robin assignor would give it to whichever member the
 * coordinator happens to list first.) It never commits.
 */
async function conductor(t: TestContext, group: string, topic: string) {
  let owner: 'runner' | 'conductor' = 'runner'
  const wire = new WireConsumer({
    clientId: uniqueName('conductor'),
    groupId: group,
    bootstrapBrokers: brokers(),
    sessionTimeout: 6000,
    heartbeatInterval: 500,
    partitionAssigner: (self, members, topics, metadata) =>
      [...members.keys()].map((memberId) => {
        const takes = owner === 'conductor' ? memberId === self : memberId !== self && !isVisitor(memberId)
        const partitions = [...topics].map((name) => ({
          topic: name,
          partitions: takes ? [...Array(metadata.topics.get(name)!.partitionsCount).keys()] : [],
        }))
        return { memberId, assignments: new Map(partitions.map((a) => [a.topic, a])) }
      }),
  })
  await join(t, wire, topic, 'the conductor')
  return {
    set owner(who: 'runner' | 'conductor') {
      owner = who
    },
  }
}

const VISITOR = 'visitor'
// A classic group's member id is the client id, a dash and a UUID.
const isVisitor = (memberId: string) => memberId.startsWith(VISITOR)

/** A member that joins the group (a rebalance) and, when `leave` is called, leaves it (another one). */
function visitor(t: TestContext, group: string, topic: string): Promise<() => Promise<void>> {
  const wire = new WireConsumer({
    clientId: uniqueName(VISITOR),
    groupId: group,
    bootstrapBrokers: brokers(),
    sessionTimeout: 6000,
    heartbeatInterval: 500,
  })
  return join(t, wire, topic, 'a visitor')
}

type WireStream = Awaited<ReturnType<WireConsumer['consume']>>

/** Joins the wire consumer's group, subscribed to `topic`; returns how to leave (done at the test's end too). */
async function join(t: TestContext, wire: WireConsumer, topic: string, who: string): Promise<() => Promise<void>> {
  const joined: { stream?: WireStream } = {}
  let left: Promise<void> | undefined
  const leave = () =>
    (left ??= (async () => {
      await bounded(joined.stream?.close().catch(() => undefined) ?? Promise.resolve(), `${who} closing its stream`)
      await bounded(
        wire.close(true).catch(() => undefined),
        `${who} leaving`,
      )
    })())
  defer(t, leave)
  joined.stream = await bounded(
    wire.consume({ topics: [topic], autocommit: false, mode: MessagesStreamModes.COMMITTED }),
    `${who} joining`,
  )
  // The stream is never read. A request of it that fails (a connection closed under load) destroys
  // it with an 'error' that, unheard, would fail the test as an uncaught exception. The member stays
  // in the group, so the test goes on; if the member broke, a waitFor below names what did not happen.
  joined.stream.on('error', (error: Error) => t.diagnostic(`${who}'s stream failed: ${error.message}`))
  // The wire consumer itself emits 'error' when a heartbeat's rejoin fails (a connection closed under
  // load during one of the test's rebalances); unheard, that too is an uncaught exception.
  wire.on('error', (error: Error) => t.diagnostic(`${who} lost its membership: ${error.message}`))
  return leave
}

/** `work`, or a failure naming `what` after `ms`: a join or a leave that hangs says which it was. */
async function bounded<T>(work: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

test('records waiting in a retry tier while its partition is revoked and given back, round after round: nothing is skipped or lost, and nothing is committed before it is handled', async (t) => {
  const name = uniqueName('tier-revoke')
  const { topic, Happened, catalog } = happenedEvent(name, 1)
  const group = uniqueName('tier-revoke')
  const tierGroup = tierGroupId(group, TIER_MS)
  const tierTopic = tierTopicName(topic, group, TIER_MS)
  deleteAfter(t, () => [name, `${name}.dlq`, tierTopic])
  const client = { brokers: brokers() }
  await ensureTopics(client, [...topicSpecsFor(catalog), ...retryTopicSpecs(topic, group, [TIER_MS])], {
    logger: silentLogger(),
  })
  const producer = track(t, new Producer({ client, service: 'tier-revoke', logger: silentLogger() }))
  const leader = await conductor(t, tierGroup, tierTopic)

  let releaseFirst: (error: Error) => void = () => undefined
  const tierAttemptsOfA: string[] = []
  /** Event ids whose tier attempt succeeded. */
  const handled = new Set<string>()
  const consumer = new Consumer({
    client,
    catalog,
    service: 'tier-revoke-svc',
    group,
    producer,
    logger: silentLogger(),
    retryTopics: [TIER_MS],
    retry: { maxAttempts: 1 },
    heartbeatInterval: 500,
    sessionTimeout: 6000,
    commitInterval: 100,
  })
  consumer.on(Happened, async (event, ctx) => {
    if (ctx.attempt === 1) throw new Error('first attempt fails: to the tier')
    if (event.payload.entity === 'a') {
      tierAttemptsOfA.push(`attempt ${ctx.attempt}`)
      if (tierAttemptsOfA.length === 1) {
        // The first tier attempt of "a" runs until the test lets it fail (after the partition moved).
        await new Promise<void>((_resolve, reject) => {
          releaseFirst = reject
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))
        })
      }
    }
    handled.add(event.id)
  })
  defer(t, () => consumer.close())
  defer(t, () => releaseFirst(new Error('the test ends')))
  await consumer.start()
  const tierRunner = () => consumer.status().runners[1]!
  await waitFor(() => tierRunner().assigned.length === 1, 'the tier partition assigned to the runner', {
    timeoutMs: 60_000,
  })

  // "a" fails, waits its tier, and its tier attempt starts; then "b" fails and waits in the tier behind it.
  const published = [await producer.publish(Happened, { entity: 'a', seq: 0 })]
  await waitFor(() => tierAttemptsOfA.length === 1, "a's first tier attempt running", { timeoutMs: 30_000 })
  published.push(await producer.publish(Happened, { entity: 'b', seq: 0 }))

  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const tierCommitted = async () => {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [tierGroup] })
    const found = offsets?.topics.find((x) => x.name === tierTopic)?.partitions.find((p) => p.partitionIndex === 0)
    return found && found.committedOffset > 0n ? found.committedOffset : 0n
  }

  for (let round = 1; round <= ROUNDS; round++) {
    // Records on their way: failing at the source, written to the tier, waiting there for their due time.
    published.push(
      ...(await producer.publishBatch(
        [0, 1, 2].map((i) => ({ event: Happened, payload: { entity: `r${round}-${i}`, seq: 0 } })),
      )),
    )
    // The partition goes to the conductor: a visitor's join is the rebalance, the conductor assigns.
    const before = tierRunner().generation
    leader.owner = 'conductor'
    const leave = await visitor(t, tierGroup, tierTopic)
    await waitFor(
      () => tierRunner().generation > before && tierRunner().assigned.length === 0,
      `round ${round}: the tier partition revoked from the runner`,
      { timeoutMs: 60_000 },
    )
    // Nothing the runner committed was unhandled. Nothing it handles now can be committed any more
    // (it does not own the partition), so the check reads a settled state.
    const committed = await tierCommitted()
    if (committed > 0n) {
      const records = await readTopic(t, tierTopic, Number(committed))
      const ids = records.map((r) => (JSON.parse(r.value.toString('utf8')) as { id: string }).id)
      const early = ids.filter((id) => !handled.has(id))
      assert.deepEqual(early, [], `round ${round}: tier offsets below ${committed} committed before being handled`)
    }
    if (round === 1) releaseFirst(new Error('the attempt on the revoked partition ends'))

    // And back: the visitor leaves (a rebalance), the conductor gives the partition to the runner.
    const revoked = tierRunner().generation
    leader.owner = 'runner'
    await leave()
    await waitFor(
      () => tierRunner().generation > revoked && tierRunner().assigned.length === 1,
      `round ${round}: the tier partition given back to the runner`,
      { timeoutMs: 60_000 },
    )
  }

  // Nothing lost: every record's tier attempt succeeded ("a"'s again, after its partition came back).
  await waitFor(() => handled.size === published.length, 'every record handled in the tier', { timeoutMs: 60_000 })
  assert.deepEqual(handled, new Set(published.map((r) => r.eventId)))
  assert.deepEqual(tierAttemptsOfA, ['attempt 2', 'attempt 2'], 'the tier attempt ran again, after the revoke')

  // Everything handled is committed, by the source group and by the tier's group.
  await consumer.close()
  const ends = async (topicName: string) => {
    const [offsets] = await admin.listOffsets({
      topics: [{ name: topicName, partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    })
    return offsets!.partitions[0]!.offset
  }
  assert.equal(await tierCommitted(), await ends(tierTopic), 'the tier group committed every tier record')
  const [source] = await admin.listConsumerGroupOffsets({ groups: [group] })
  const sourceCommitted = source?.topics.find((x) => x.name === name)?.partitions[0]?.committedOffset
  assert.equal(sourceCommitted, await ends(name), 'the source group committed every record')
})

test('records moving through a retry tier while members come and go, again and again: every record is handled, and everything handled is committed', async (t) => {
  const name = uniqueName('tier-churn')
  const { topic, Happened, catalog } = happenedEvent(name, 4)
  const group = uniqueName('tier-churn')
  deleteAfter(t, () => [name, `${name}.dlq`, tierTopicName(topic, group, 1000)])
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog), { logger: silentLogger() })
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'tier-churn', logger: silentLogger() }),
  )
  const COUNT = 200
  const published = await producer.publishBatch(
    Array.from({ length: COUNT }, (_, seq) => ({ event: Happened, payload: { entity: `k${seq % 20}`, seq } })),
  )
  const ids = new Set(published.map((r) => r.eventId))

  const handled = new Set<string>()
  let firstAttempts = 0
  let tierAttempts = 0
  const member = () => {
    const consumer = new Consumer({
      client: { brokers: brokers() },
      catalog,
      service: 'tier-churn-svc',
      group,
      producer,
      logger: silentLogger(),
      retryTopics: ['1s'],
      retry: { maxAttempts: 1 },
      heartbeatInterval: 500,
      sessionTimeout: 6000,
      commitInterval: 200,
      // Slow enough that records are still on their way when partitions move.
      concurrency: 1,
    })
    consumer.on(Happened, async (event, ctx) => {
      await sleep(25)
      // Every record fails its first attempt: it goes through the tier, and succeeds there.
      if (ctx.attempt === 1) {
        firstAttempts++
        throw new Error('to the tier')
      }
      tierAttempts++
      handled.add(event.id)
    })
    defer(t, () => consumer.close())
    return consumer
  }

  const steady = member()
  await steady.start()
  // Members join and leave while records are on their way through the tier: partitions of the
  // source topic and of the tier topic move, are revoked and come back, six times.
  for (let round = 0; round < 3 && handled.size < COUNT; round++) {
    const visitor = member()
    await visitor.start()
    await waitFor(() => handled.size > (COUNT * (round + 1)) / 5 || handled.size === COUNT, 'progress', {
      timeoutMs: 60_000,
    })
    await visitor.close()
  }
  await waitFor(() => handled.size === COUNT, 'every record handled', { timeoutMs: 90_000 })
  assert.deepEqual(handled, ids)
  const generations = steady.status().runners.map((r) => `${r.group}: generation ${r.generation}`)
  t.diagnostic(
    `${firstAttempts} first attempts, ${tierAttempts} tier attempts for ${COUNT} records; ${generations.join(', ')}`,
  )

  // Everything handled was committed, by the source group and by the tier's group.
  await steady.close()
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const ends = async (topicName: string) => {
    const [offsets] = await admin.listOffsets({
      topics: [
        { name: topicName, partitions: [0, 1, 2, 3].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
      ],
    })
    return [0, 1, 2, 3].map((i) => offsets!.partitions.find((p) => p.partitionIndex === i)!.offset)
  }
  const committed = async (groupId: string, topicName: string) => {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [groupId] })
    const partitions = offsets?.topics.find((x) => x.name === topicName)?.partitions ?? []
    return [0, 1, 2, 3].map((i) => partitions.find((p) => p.partitionIndex === i)?.committedOffset ?? -1n)
  }
  assert.deepEqual(await committed(group, name), await ends(name), 'the source group committed every record')
  const tier = tierTopicName(topic, group, 1000)
  assert.deepEqual(await committed(tierGroupId(group, 1000), tier), await ends(tier), 'the tier group too')
})
