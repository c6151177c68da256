// A 1 → 3 → 1 rebalance storm under steady publishing, with each rebalance protocol. Nothing is lost,
// no key's event is handled before its predecessors, and with the incremental protocols
// (cooperative-sticky, KIP-848) the partitions that stay with the first member are handled on while
// the others move. The longest gap per partition is printed for each protocol (docs/consumer.md).
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import { Consumer } from '../../src/consumer/index.ts'
import type { RebalanceProtocol } from '../../src/consumer/member.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, defer, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

const PARTITIONS = 6
const KEYS = 60
/** Records published per round (every TICK_MS), spread over the keys and so over every partition. */
const PER_TICK = 12
const TICK_MS = 25
/** Time each phase runs once its assignment has settled. */
const SETTLED_MS = 3000

interface StormFigures {
  published: number
  handled: number
  /** Longest time between two handled records of a partition, per partition the first member kept. */
  keptGapsMs: Record<number, number>
  /** The same for the partitions that moved. */
  movedGapsMs: Record<number, number>
  stormMs: number
}

async function storm(t: TestContext, protocol: RebalanceProtocol): Promise<StormFigures> {
  const topicName = await createTopic(t, `storm-${protocol}`, { partitions: PARTITIONS })
  const { Happened, catalog } = happenedEvent(topicName)
  const group = uniqueName(`storm-${protocol}`)
  const producer = rawProducer(t)

  // Publishing: every key gets its next seq in turn.
  let published = 0
  let publishing = true
  const pump = (async () => {
    while (publishing) {
      const records = Array.from({ length: PER_TICK }, () => {
        const i = published++
        const entity = `k${i % KEYS}`
        return envelopeRecord(topicName, entity, 'test.happened', '1.0', { entity, seq: Math.floor(i / KEYS) })
      })
      await producer.send(records)
      await sleep(TICK_MS)
    }
  })()

  const seen = new Map<string, Set<number>>()
  const contiguous = new Map<string, number>()
  const violations: string[] = []
  const lastAt = new Map<number, number>()
  const gaps = new Map<number, number>()
  let measuring = false
  let handled = 0
  const member = (name: string) => {
    const consumer = new Consumer({
      client: { brokers: brokers() },
      catalog,
      service: 'storm-svc',
      group,
      logger: silentLogger(),
      concurrency: 8,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      commitInterval: 200,
      rebalanceProtocol: protocol,
      lagInterval: false,
    })
    consumer.on(Happened, async (event, ctx) => {
      const { entity, seq } = event.payload
      const done = contiguous.get(entity) ?? -1
      if (seq > done + 1) violations.push(`${name}: ${entity} seq ${seq} started before seq ${done + 1} was handled`)
      await sleep(1)
      const ofKey = seen.get(entity) ?? new Set<number>()
      ofKey.add(seq)
      seen.set(entity, ofKey)
      let next = done
      while (ofKey.has(next + 1)) next++
      contiguous.set(entity, next)
      handled++
      const now = Date.now()
      const last = lastAt.get(ctx.partition)
      if (measuring && last !== undefined) gaps.set(ctx.partition, Math.max(gaps.get(ctx.partition) ?? 0, now - last))
      lastAt.set(ctx.partition, now)
    })
    defer(t, () => consumer.stop())
    return consumer
  }
  const owned = (c: Consumer) => c.status().runners[0]?.assigned.map((tp) => tp.partition) ?? []

  const a = member('a')
  await a.start()
  await waitFor(() => owned(a).length === PARTITIONS && handled > 0, 'a owns every partition', { timeoutMs: 60_000 })
  await sleep(SETTLED_MS)

  // The partitions the first member holds at every sample from now on did not move.
  const kept = new Set(owned(a))
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const now = new Set(owned(a))
      for (const p of kept) if (!now.has(p)) kept.delete(p)
      await sleep(20)
    }
  })()
  measuring = true
  const stormStarted = Date.now()
  const b = member('b')
  const c = member('c')
  await Promise.all([b.start(), c.start()])
  await waitFor(
    () => owned(a).length > 0 && owned(b).length > 0 && owned(c).length > 0,
    'three members share the partitions',
    { timeoutMs: 90_000 },
  )
  await sleep(SETTLED_MS)
  await Promise.all([b.stop(), c.stop()])
  await waitFor(() => owned(a).length === PARTITIONS, 'a owns every partition again', { timeoutMs: 90_000 })
  await sleep(SETTLED_MS)
  const stormMs = Date.now() - stormStarted
  measuring = false
  sampling = false
  await sampler
  publishing = false
  await pump

  const total = () => [...seen.values()].reduce((n, s) => n + s.size, 0)
  await waitFor(() => total() >= published, 'every event handled', { timeoutMs: 90_000 })
  assert.deepEqual(violations, [], 'no event handled before its key predecessors')
  for (let k = 0; k < KEYS; k++) {
    const expected = Math.floor((published - 1 - k) / KEYS) + 1
    assert.equal(seen.get(`k${k}`)?.size ?? 0, Math.max(0, expected), `key k${k}: every seq handled`)
  }
  const figures = (only: (p: number) => boolean) =>
    Object.fromEntries([...gaps].filter(([p]) => only(p)).sort(([x], [y]) => x - y))
  return {
    published,
    handled,
    keptGapsMs: figures((p) => kept.has(p)),
    movedGapsMs: figures((p) => !kept.has(p)),
    stormMs,
  }
}

for (const protocol of ['eager', 'cooperative', 'consumer'] as const) {
  test(`a 1 → 3 → 1 storm with ${protocol} rebalancing: nothing lost or out of order per key`, async (t) => {
    const figures = await storm(t, protocol)
    t.diagnostic(`${protocol}: ${JSON.stringify(figures)}`)
    if (protocol !== 'eager') {
      assert.ok(Object.keys(figures.keptGapsMs).length > 0, 'the first member kept some partitions throughout')
    }
  })
}

test('an eager member and a cooperative one share a group: round-robin until every member offers cooperative-sticky', async (t) => {
  const topicName = await createTopic(t, 'storm-mixed', { partitions: 4 })
  const { Happened, catalog } = happenedEvent(topicName)
  const group = uniqueName('storm-mixed')
  const handledBy = new Map<string, Set<number>>()
  const member = (name: string, protocol: RebalanceProtocol) => {
    const consumer = new Consumer({
      client: { brokers: brokers() },
      catalog,
      service: 'storm-svc',
      group,
      logger: silentLogger(),
      heartbeatInterval: 1000,
      sessionTimeout: 10_000,
      rebalanceProtocol: protocol,
      lagInterval: false,
    })
    consumer.on(Happened, (event) => {
      const set = handledBy.get(name) ?? new Set<number>()
      set.add(event.payload.seq)
      handledBy.set(name, set)
    })
    defer(t, () => consumer.stop())
    return consumer
  }
  const owned = (c: Consumer) => c.status().runners[0]?.assigned.length ?? 0
  const eager = member('eager', 'eager')
  await eager.start()
  await waitFor(() => owned(eager) === 4, 'the eager member owns every partition')
  const cooperative = member('cooperative', 'cooperative')
  await cooperative.start()
  await waitFor(() => owned(eager) > 0 && owned(cooperative) > 0 && owned(eager) + owned(cooperative) === 4, 'shared')
  const records = Array.from({ length: 400 }, (_, seq) =>
    envelopeRecord(topicName, `k${seq % 40}`, 'test.happened', '1.0', { entity: `k${seq % 40}`, seq }),
  )
  await rawProducer(t).send(records)
  const all = () => new Set([...handledBy.values()].flatMap((s) => [...s])).size
  await waitFor(() => all() === 400, 'every event handled')
  assert.ok((handledBy.get('eager')?.size ?? 0) > 0 && (handledBy.get('cooperative')?.size ?? 0) > 0, 'both handled')
  await eager.stop()
  await waitFor(() => owned(cooperative) === 4, 'the cooperative member owns every partition')
})
