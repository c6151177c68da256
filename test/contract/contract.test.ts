// One contract, two backends: the same behaviour tests, with the same assertions, on the in-memory
// Kafka of kafkit/testing and on the real broker. A difference between the two is a bug in the
// in-memory Kafka. (Each suite's duration, printed by node:test, is that backend's time.)
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { tierTopicName } from '../../src/consumer/tiers.ts'
import { readDeadLetterRecord } from '../../src/dlq/format.ts'
import { partitionForKey } from '../../src/producer/partitioner.ts'
import { backends, uniqueName } from './backends.ts'

function orders(partitions = 3) {
  const topic = defineTopic({ name: uniqueName('contract-orders'), key: 'order_id', partitions })
  const Placed = defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic,
    schema: z.object({ order_id: z.string(), seq: z.number() }),
  })
  return { topic, Placed }
}

/** Lets other work run a few turns: handlers interleave without waiting on time. */
async function yieldTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

const FAST = { commitInterval: 50, lagInterval: false, heartbeatInterval: 500, sessionTimeout: 6000 } as const
const stopAfter = (t: { after: (fn: () => unknown) => void }, c: { stop(): Promise<void> }) => t.after(() => c.stop())

for (const backend of backends) {
  describe(`contract on ${backend.name}`, () => {
    test('publish and read back: payload, key, headers, murmur2 partition, offsets in order', async (t) => {
      const { topic, Placed } = orders(3)
      const world = await backend.world(t, [Placed])
      const keys = ['a', 'b', 'c', 'd', 'e', 'f']
      const results = []
      for (const [i, key] of keys.entries())
        results.push(await world.kafkit.publish(Placed, { order_id: key, seq: i }, { headers: { 'x-test': `h${i}` } }))
      for (const [i, key] of keys.entries()) assert.equal(results[i]!.partition, partitionForKey(key, 3))
      const records = await world.read(topic.name, keys.length)
      assert.equal(records.length, keys.length)
      for (const [i, key] of keys.entries()) {
        const record = records.find((r) => r.key?.toString() === key)!
        assert.equal(record.partition, partitionForKey(key, 3))
        assert.equal(record.offset, results[i]!.offset)
        const value = JSON.parse(record.value!.toString()) as { type: string; payload: unknown; id: string }
        assert.deepEqual(value.payload, { order_id: key, seq: i })
        assert.equal(value.id, results[i]!.eventId)
        const headers = new Map(record.headers.map(([k, v]) => [k.toString(), v?.toString()]))
        assert.equal(headers.get('x-test'), `h${i}`)
        assert.equal(headers.get('event-type'), 'order.placed')
      }
      for (const p of [0, 1, 2]) {
        const offsets = records.filter((r) => r.partition === p).map((r) => r.offset)
        assert.deepEqual(
          offsets,
          [...offsets].sort((a, b) => (a < b ? -1 : 1)),
        )
      }
    })

    test('key order under concurrency: each key handled in publish order, all handled', async (t) => {
      const { Placed } = orders(3)
      const world = await backend.world(t, [Placed])
      const seen = new Map<string, number[]>()
      let handled = 0
      const consumer = world.consumer({ ...FAST, concurrency: 8 }).on(Placed, async (event) => {
        await yieldTurns(event.payload.seq % 4)
        const list = seen.get(event.payload.order_id) ?? []
        list.push(event.payload.seq)
        seen.set(event.payload.order_id, list)
        handled++
      })
      stopAfter(t, consumer)
      await consumer.start()
      const total = 120
      await world.kafkit.publishBatch(
        Array.from({ length: total }, (_, i) => ({ event: Placed, payload: { order_id: `k${i % 12}`, seq: i } })),
      )
      await world.waitFor(() => handled >= total, `${total} handled`)
      for (const [key, seqs] of seen) {
        assert.deepEqual(
          seqs,
          [...seqs].sort((a, b) => a - b),
          `key ${key} in order`,
        )
        assert.equal(new Set(seqs).size, seqs.length, `key ${key} without duplicates`)
      }
      assert.equal(handled, total)
      assert.ok(consumer.peakConcurrency > 1, 'handlers ran concurrently')
    })

    test('commit only after handling: an unfinished record holds its partition’s committed offset', async (t) => {
      const { topic, Placed } = orders(1)
      const world = await backend.world(t, [Placed])
      let release: () => void = () => undefined
      const gate = new Promise<void>((resolve) => (release = resolve))
      const done = new Set<number>()
      const consumer = world
        .consumer({ ...FAST, concurrency: 4, ordering: 'none', handlerTimeout: '1h' })
        .on(Placed, async (event) => {
          if (event.payload.seq === 2) await gate
          done.add(event.payload.seq)
        })
      stopAfter(t, consumer)
      await consumer.start()
      for (let seq = 0; seq < 6; seq++) await world.kafkit.publish(Placed, { order_id: `o${seq}`, seq })
      await world.waitFor(() => done.size === 5, 'all but the held record handled')
      // Offsets 0 and 1 are done: the commit reaches 2 and stops there while 2 runs.
      await world.waitFor(async () => (await world.committed(consumer.group, topic.name, 0)) === 2n, 'commit of 0..1')
      assert.equal(await world.committed(consumer.group, topic.name, 0), 2n)
      release()
      await world.waitFor(async () => (await world.committed(consumer.group, topic.name, 0)) === 6n, 'commit of all')
    })

    test('redelivery after a crash: what the crashed consumer did not commit is handled by the next', async (t) => {
      const { Placed } = orders(2)
      const world = await backend.world(t, [Placed])
      const group = uniqueName('crash')
      const first: string[] = []
      const second: string[] = []
      const a = world
        .consumer({ ...FAST, group, commitInterval: '1h' })
        .on(Placed, (event) => void first.push(event.id))
      stopAfter(t, a)
      await a.start()
      const ids: string[] = []
      for (let i = 0; i < 10; i++) ids.push((await world.kafkit.publish(Placed, { order_id: `c${i}`, seq: i })).eventId)
      await world.waitFor(() => first.length >= 10, 'the first consumer handled all')
      await world.crash(a)
      const b = world.consumer({ ...FAST, group }).on(Placed, (event) => void second.push(event.id))
      stopAfter(t, b)
      await b.start()
      await world.waitFor(() => ids.every((id) => second.includes(id)), 'every event redelivered to the second')
      assert.deepEqual(new Set(second), new Set(ids))
    })

    for (const protocol of ['eager', 'cooperative', 'consumer'] as const) {
      test(`rebalance with no loss (${protocol}): a member joins and one leaves while events flow`, async (t) => {
        const { Placed } = orders(4)
        const world = await backend.world(t, [Placed])
        const group = uniqueName('rebalance')
        const handled = new Set<string>()
        const revokedFromA: number[] = []
        const options = { ...FAST, group, rebalanceProtocol: protocol }
        const a = world
          .consumer({ ...options, onRevoke: (tps) => void revokedFromA.push(...tps.map((tp) => tp.partition)) })
          .on(Placed, (event) => void handled.add(event.id))
        const b = world.consumer(options).on(Placed, (event) => void handled.add(event.id))
        stopAfter(t, a)
        stopAfter(t, b)
        await a.start()
        const ids: string[] = []
        const publish = async (from: number, to: number) => {
          for (let i = from; i < to; i++)
            ids.push((await world.kafkit.publish(Placed, { order_id: `r${i}`, seq: i })).eventId)
        }
        await publish(0, 20)
        await b.start()
        await publish(20, 40)
        await world.waitFor(() => ids.every((id) => handled.has(id)), 'first 40 handled')
        await world.waitFor(
          () => a.status().runners[0]!.assigned.length === 2 && b.status().runners[0]!.assigned.length === 2,
          'two partitions each',
        )
        const kept = a.status().runners[0]!.assigned.map((p) => p.partition)
        // Only the partitions that moved to b were revoked from a; a never gave up what it kept.
        assert.equal(new Set(revokedFromA).size, 2, `revoked ${revokedFromA.join(',')}`)
        assert.ok(
          kept.every((p) => !revokedFromA.includes(p)),
          `kept ${kept.join(',')}, revoked ${revokedFromA.join(',')}`,
        )
        await a.stop()
        await publish(40, 60)
        await world.waitFor(() => ids.every((id) => handled.has(id)), 'all 60 handled')
        assert.equal(ids.filter((id) => !handled.has(id)).length, 0)
      })
    }

    test('retry and DLQ: a failing record is retried, then dead-lettered with the original; the rest go on', async (t) => {
      const { topic, Placed } = orders(1)
      const world = await backend.world(t, [Placed])
      const attempts: number[] = []
      const ok: number[] = []
      const consumer = world
        .consumer({ ...FAST, retry: { maxAttempts: 3, initialBackoff: 10, maxBackoff: 20 } })
        .on(Placed, (event, ctx) => {
          if (event.payload.order_id !== 'bad') return void ok.push(event.payload.seq)
          attempts.push(ctx.attempt)
          throw new Error('cannot handle this one')
        })
      stopAfter(t, consumer)
      await consumer.start()
      await world.kafkit.publish(Placed, { order_id: 'good', seq: 1 })
      const bad = await world.kafkit.publish(Placed, { order_id: 'bad', seq: 2 })
      await world.kafkit.publish(Placed, { order_id: 'good', seq: 3 })
      await world.waitFor(() => ok.length === 2, 'the good ones handled')
      const [record] = await world.read(`${topic.name}.dlq`, 1)
      const dead = readDeadLetterRecord({ key: record!.key, value: record!.value, headers: record!.headers })
      assert.deepEqual(attempts, [1, 2, 3])
      assert.equal(dead.record.event_id, bad.eventId)
      assert.equal(dead.record.attempt_count, 3)
      assert.equal(dead.record.original_topic, topic.name)
      assert.equal(dead.record.error_message, 'cannot handle this one')
      assert.equal(dead.original.key?.toString(), 'bad')
      assert.ok(dead.original.exact)
    })

    test('retry tiers: a record that fails in process is handled again from its tier, as its origin', async (t) => {
      const { topic, Placed } = orders(1)
      const world = await backend.world(t, [Placed])
      const seen: { attempt: number; topic: string; offset: bigint }[] = []
      const consumer = world
        .consumer({ ...FAST, retry: { maxAttempts: 2, initialBackoff: 10, maxBackoff: 20 }, retryTopics: ['1s'] })
        .on(Placed, (event, ctx) => {
          seen.push({ attempt: ctx.attempt, topic: ctx.topic, offset: ctx.offset })
          if (ctx.attempt < 3) throw new Error('not yet')
        })
      stopAfter(t, consumer)
      await consumer.start()
      const published = await world.kafkit.publish(Placed, { order_id: 'tiered', seq: 1 })
      await world.waitFor(() => seen.length === 3, 'handled from the tier')
      assert.deepEqual(
        seen.map((s) => s.attempt),
        [1, 2, 3],
      )
      assert.ok(seen.every((s) => s.topic === topic.name && s.offset === published.offset))
      const tier = await world.read(tierTopicName(topic, consumer.group, 1000), 1)
      assert.equal(tier.length, 1)
    })

    test('upcasting: a v1 event reaches the v2 handler upcast, with the versions it went through', async (t) => {
      const topic = defineTopic({ name: uniqueName('contract-users'), key: 'user_id', partitions: 1 })
      const V1 = defineEvent({
        type: 'user.registered',
        version: '1.0',
        topic,
        schema: z.object({ user_id: z.string() }),
      })
      const V2 = defineEvent({
        type: 'user.registered',
        version: '2.0',
        topic,
        schema: z.object({ user_id: z.string(), country: z.string() }),
        upcast: { from: V1, up: (p) => ({ ...p, country: 'unknown' }) },
      })
      const world = await backend.world(t, [V1, V2])
      const got: { payload: unknown; from: readonly string[]; version: string }[] = []
      const consumer = world.consumer(FAST).on(V2, (event, ctx) => {
        got.push({ payload: event.payload, from: ctx.upcastedFrom, version: event.version })
      })
      stopAfter(t, consumer)
      await consumer.start()
      await world.kafkit.publish(V1, { user_id: 'u1' })
      await world.kafkit.publish(V2, { user_id: 'u2', country: 'MZ' })
      await world.waitFor(() => got.length === 2, 'both handled')
      // Two keys: no order between them (u1's upcast may let u2 through first when both come in one fetch).
      const byUser = (user: string) => got.find((g) => (g.payload as { user_id: string }).user_id === user)
      // The envelope keeps the version it was published with; the payload is the handler's version.
      assert.deepEqual(byUser('u1'), { payload: { user_id: 'u1', country: 'unknown' }, from: ['1.0'], version: '1.0' })
      assert.deepEqual(byUser('u2'), { payload: { user_id: 'u2', country: 'MZ' }, from: [], version: '2.0' })
    })

    test('tombstones: a record without a value keeps its key, and does not stop the events after it', async (t) => {
      const { topic, Placed } = orders(1)
      const world = await backend.world(t, [Placed])
      const handled: string[] = []
      const consumer = world.consumer(FAST).on(Placed, (event) => void handled.push(event.payload.order_id))
      stopAfter(t, consumer)
      await consumer.start()
      await world.kafkit.producer.sendRecords([{ topic: topic.name, key: 'gone', value: null }])
      await world.kafkit.publish(Placed, { order_id: 'after', seq: 1 })
      await world.waitFor(() => handled.includes('after'), 'the event after the tombstone handled')
      const records = await world.read(topic.name, 2)
      assert.equal(records[0]!.key?.toString(), 'gone')
      assert.equal(records[0]!.value, null)
      assert.deepEqual(handled, ['after'])
      const [dead] = await world.read(`${topic.name}.dlq`, 1)
      const failure = readDeadLetterRecord({ key: dead!.key, value: dead!.value, headers: dead!.headers })
      assert.equal(failure.original.key?.toString(), 'gone')
      assert.equal(failure.original.value, null)
      assert.equal(failure.record.error_code, 'KAFKIT_DECODE_FAILED')
    })
  })
}
