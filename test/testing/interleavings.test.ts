// The consumer core's known interleavings, replayed on the in-memory Kafka with a virtual clock:
// each schedule is driven step by step by the test (no timing, no real broker), so it runs the same
// way every time. Each is repeated 50 times and must give the same trace every time.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { tierGroupId, tierTopicName } from '../../src/consumer/tiers.ts'
import { partitionForKey } from '../../src/producer/partitioner.ts'
import { createTestKafkit, VirtualClock, type InMemoryMember } from '../../src/testing/index.ts'

const RUNS = 50
const TIER_MS = 10_000

function events() {
  const topic = defineTopic({ name: 'interleaving.orders', key: 'order_id', partitions: 2 })
  const Placed = defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic,
    schema: z.object({ order_id: z.string() }),
  })
  return { topic, Placed }
}

/** Keys of partition 1 of a two-partition topic (murmur2), in a fixed order. */
const KEYS_P1 = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'].filter((k) => partitionForKey(k, 2) === 1)

async function tierHeldAcrossRebalance(): Promise<string[]> {
  const { topic, Placed } = events()
  const clock = new VirtualClock()
  const kit = createTestKafkit({ catalog: [Placed], clock })
  const trace: string[] = []
  const consumer = kit
    .consumer({ group: 'orders', retry: { maxAttempts: 1 }, retryTopics: [TIER_MS], lagInterval: false })
    .on(Placed, (event, ctx) => {
      trace.push(`handle ${event.payload.order_id} attempt ${ctx.attempt} at +${clock.now() - Date.UTC(2026, 0, 1)}`)
      if (ctx.attempt === 1) throw new Error('first attempt fails: to the tier')
    })
  await consumer.start()
  const [a, b] = KEYS_P1 as [string, string]
  const tierTopic = tierTopicName(topic, 'orders', TIER_MS)
  const tierGroup = kit.broker.group(tierGroupId('orders', TIER_MS))
  const committed = () => String(kit.broker.committed(tierGroup.id, tierTopic, 1) ?? 'none')
  const runnerMember = () => tierGroup.members[0]!
  const driven = { advanceClock: false }

  await kit.publish(Placed, { order_id: a })
  await kit.publish(Placed, { order_id: b })
  // Both fail once and go to the tier; the tier runner holds the first until it is due.
  await kit.waitFor(() => kit.broker.records(tierTopic, 1).length === 2, driven)
  await kit.waitFor(() => runnerMember().isPaused(tierTopic, 1), driven)
  trace.push(`held; tier committed ${committed()}`)

  // Another member joins the tier group: partition 1 (with the held record) moves to it.
  const other: InMemoryMember = tierGroup.addMember({ topics: [tierTopic] })
  trace.push(`moved to the other member: ${other.assignment.map((tp) => `${tp.topic}[${tp.partition}]`).join(',')}`)
  await kit.waitFor(() => true, driven)
  trace.push(`after the move; tier committed ${committed()}`)

  // It leaves: the partition comes back, read again from the committed offset (nothing skipped).
  await other.close(0)
  await kit.waitFor(() => runnerMember().isPaused(tierTopic, 1), driven)
  trace.push(`given back and held again; tier committed ${committed()}`)

  await clock.advance(TIER_MS)
  await kit.waitFor(() => trace.filter((l) => l.includes('attempt 2')).length === 2, driven)
  await kit.waitFor(() => committed() === '2')
  trace.push(`done; tier committed ${committed()}; generations ${tierGroup.generation}`)
  await kit.close()
  return trace
}

test(`a retry-tier record held across a rebalance is read again, not skipped (${RUNS} runs, one trace)`, async () => {
  const first = await tierHeldAcrossRebalance()
  const [a, b] = KEYS_P1
  assert.deepEqual(first, [
    `handle ${a} attempt 1 at +0`,
    `handle ${b} attempt 1 at +0`,
    'held; tier committed none',
    'moved to the other member: interleaving.orders.retry.orders.10s[1]',
    'after the move; tier committed none',
    'given back and held again; tier committed none',
    `handle ${a} attempt 2 at +${TIER_MS}`,
    `handle ${b} attempt 2 at +${TIER_MS}`,
    'done; tier committed 2; generations 3',
  ])
  for (let run = 1; run < RUNS; run++) assert.deepEqual(await tierHeldAcrossRebalance(), first, `run ${run + 1}`)
})

async function stopDuringRetry(): Promise<string[]> {
  const { topic, Placed } = events()
  const clock = new VirtualClock()
  const kit = createTestKafkit({ catalog: [Placed], clock })
  const trace: string[] = []
  const retry = { maxAttempts: 3, initialBackoff: 1000, maxBackoff: 1000, multiplier: 1 }
  const first = kit.consumer({ group: 'orders', retry, lagInterval: false }).on(Placed, (event, ctx) => {
    trace.push(`first: ${event.payload.order_id} attempt ${ctx.attempt}`)
    if (event.payload.order_id === 'x') throw new Error('fails: waits to retry')
  })
  await first.start()
  const x = await kit.publish(Placed, { order_id: 'x' })
  await kit.publish(Placed, { order_id: 'after-x' }, { key: 'x' })
  const driven = { advanceClock: false }
  await kit.waitFor(() => trace.length === 1, driven)
  // The consumer stops while "x" waits for its retry: the record is given back, uncommitted, and
  // the one behind it (same key) is not handled out of order.
  await first.stop()
  trace.push(`stopped at +${clock.now() - Date.UTC(2026, 0, 1)}`)
  trace.push(`committed ${String(kit.broker.committed('orders', topic.name, x.partition) ?? 'none')}`)
  trace.push(`dead letters ${kit.deadLetters(topic.name).length}`)

  const second = kit.consumer({ group: 'orders', retry, lagInterval: false }).on(Placed, (event, ctx) => {
    trace.push(`second: ${event.payload.order_id} attempt ${ctx.attempt}`)
  })
  await second.start()
  await kit.waitFor(() => trace.filter((l) => l.startsWith('second')).length === 2, driven)
  await kit.waitFor(() => kit.broker.committed('orders', topic.name, x.partition) === x.offset + 2n)
  trace.push(`committed ${String(kit.broker.committed('orders', topic.name, x.partition))}`)
  await kit.close()
  return trace
}

test(`stop during a retry: the waiting record is given back uncommitted, never dead-lettered (${RUNS} runs, one trace)`, async () => {
  const first = await stopDuringRetry()
  assert.deepEqual(first, [
    'first: x attempt 1',
    'stopped at +0',
    'committed none',
    'dead letters 0',
    'second: x attempt 1',
    'second: after-x attempt 1',
    'committed 2',
  ])
  for (let run = 1; run < RUNS; run++) assert.deepEqual(await stopDuringRetry(), first, `run ${run + 1}`)
})
