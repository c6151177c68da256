// Flow control against the broker: pause and resume, seek to an offset or a time, and a new group
// that starts at "now" without missing what is produced while it joins.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, defer, track, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'

function eventOn(name: string, type: string) {
  const topic = defineTopic({ name, key: 'entity' })
  return defineEvent({ type, version: '1.0', topic, schema: z.object({ entity: z.string(), seq: z.number() }) })
}

function consumerOf(t: TestContext, options: Omit<ConsumerOptions, 'client' | 'service'>) {
  const consumer = new Consumer({
    client: { brokers: brokers() },
    service: 'flow-svc',
    group: uniqueName('flow-group'),
    logger: silentLogger(),
    commitInterval: 100,
    lagInterval: false,
    ...options,
  })
  defer(t, () => consumer.stop())
  return consumer
}

const records = (topic: string, type: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) =>
    envelopeRecord(topic, `k${(from + i) % 3}`, type, '1.0', { entity: `k${(from + i) % 3}`, seq: from + i }),
  )

async function committed(t: TestContext, group: string, topic: string): Promise<bigint> {
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] })
  return offsets?.topics.find((x) => x.name === topic)?.partitions[0]?.committedOffset ?? -1n
}

test('pause stops a partition while others flow; resume delivers what was held, in order, once', async (t) => {
  const a = await createTopic(t, 'flow-a')
  const b = await createTopic(t, 'flow-b')
  const A = eventOn(a, 'test.a')
  const B = eventOn(b, 'test.b')
  const seen = { a: [] as number[], b: [] as number[] }
  const consumer = consumerOf(t, { catalog: createCatalog([A, B]) })
  consumer.on(A, (e) => void seen.a.push(e.payload.seq))
  consumer.on(B, (e) => void seen.b.push(e.payload.seq))
  const raw = rawProducer(t)
  await raw.send([...records(a, 'test.a', 0, 10), ...records(b, 'test.b', 0, 10)])
  await consumer.start()
  await waitFor(() => seen.a.length === 10 && seen.b.length === 10, 'the first 20 handled')

  consumer.pause(a, [0])
  assert.deepEqual(consumer.paused(), [{ topic: a, partition: 0 }])
  await raw.send(records(a, 'test.a', 10, 30))
  await raw.send(records(b, 'test.b', 10, 30))
  await waitFor(() => seen.b.length === 40, "b's 30 new events handled meanwhile")
  assert.equal(seen.a.length, 10, 'nothing of the paused partition was handled')

  consumer.resume(a)
  assert.deepEqual(consumer.paused(), [])
  await waitFor(() => seen.a.length >= 40, "a's 30 held events handled after the resume")
  const byKey = new Map<number, number[]>()
  for (const seq of seen.a) byKey.set(seq % 3, [...(byKey.get(seq % 3) ?? []), seq])
  for (const list of byKey.values())
    assert.deepEqual(
      list,
      [...list].sort((x, y) => x - y),
      'each key in order',
    )
  assert.deepEqual(
    [...seen.a].sort((x, y) => x - y),
    Array.from({ length: 40 }, (_, i) => i),
    'each event exactly once',
  )
})

test('a whole-topic pause holds records already fetched and still holds after more arrive', async (t) => {
  const a = await createTopic(t, 'flow-hold')
  const A = eventOn(a, 'test.a')
  const seen: number[] = []
  const consumer = consumerOf(t, { catalog: createCatalog([A]), maxInFlight: 5, concurrency: 1 })
  let release: (() => void) | undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  consumer.on(A, async (e) => {
    if (e.payload.seq === 0) await gate
    seen.push(e.payload.seq)
  })
  await rawProducer(t).send(records(a, 'test.a', 0, 50))
  await consumer.start()
  await waitFor(() => consumer.status().runners[0]!.inFlight === 5, 'the pool full, the first handler held')
  consumer.pause(a)
  release!()
  await waitFor(() => consumer.status().runners[0]!.inFlight === 0, 'what was in the pool finished')
  const handledWhilePaused = seen.length
  assert.ok(handledWhilePaused <= 5, `only records taken before the pause ran (${handledWhilePaused})`)
  await waitFor(async () => (await committed(t, consumer.group, a)) === BigInt(handledWhilePaused), 'their commit')
  assert.equal(seen.length, handledWhilePaused, 'still paused')
  consumer.resume(a)
  await waitFor(() => seen.length === 50, 'all 50 after the resume')
  assert.deepEqual(
    [...seen].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  )
})

test('seek to an offset in onAssign, then back to an earlier one: delivery and commits follow', async (t) => {
  const a = await createTopic(t, 'flow-seek')
  const A = eventOn(a, 'test.a')
  await rawProducer(t).send(records(a, 'test.a', 0, 30))
  const offsets: bigint[] = []
  const consumer = consumerOf(t, {
    catalog: createCatalog([A]),
    onAssign: async (partitions) => {
      for (const p of partitions) await consumer.seek(p.topic, p.partition, 20n)
    },
  })
  consumer.on(A, (_, ctx) => void offsets.push(ctx.offset))
  await consumer.start()
  await waitFor(() => offsets.length === 10, 'offsets 20..29 handled')
  assert.deepEqual(
    offsets,
    Array.from({ length: 10 }, (_, i) => BigInt(20 + i)),
  )
  await waitFor(async () => (await committed(t, consumer.group, a)) === 30n, 'committed to the end')

  await consumer.seek(a, 0, 5n)
  await waitFor(() => offsets.length === 35, 'offsets 5..29 handled again')
  assert.deepEqual(
    offsets.slice(10),
    Array.from({ length: 25 }, (_, i) => BigInt(5 + i)),
  )
  await assert.rejects(consumer.seek(a, 7, 0n), /not assigned to this consumer/)
})

test('seek to a time: delivery goes on from the first record at or after it', async (t) => {
  const a = await createTopic(t, 'flow-time')
  const A = eventOn(a, 'test.a')
  const raw = rawProducer(t)
  await raw.send(records(a, 'test.a', 0, 10))
  const seen: { seq: number; at: number }[] = []
  const consumer = consumerOf(t, { catalog: createCatalog([A]) })
  consumer.on(A, (e, ctx) => void seen.push({ seq: e.payload.seq, at: ctx.timestamp.getTime() }))
  await consumer.start()
  await waitFor(() => seen.length === 10, 'the first 10')
  // A time after every record so far (their timestamps are the broker's or the producer's clock).
  const after = Math.max(...seen.map((s) => s.at)) + 1
  await waitFor(() => Date.now() > after + 5, 'the clock moved past the last record')
  await raw.send(records(a, 'test.a', 10, 5))
  await waitFor(() => seen.length === 15, 'the next 5')
  await consumer.seek(a, 0, { timestamp: after })
  await waitFor(() => seen.length === 20, 'the 5 records after that time, again')
  assert.deepEqual(
    seen.slice(15).map((s) => s.seq),
    [10, 11, 12, 13, 14],
  )
})

test('autoOffsetReset "now": a new group skips the backlog and misses nothing produced once start() was called', async (t) => {
  const a = await createTopic(t, 'flow-now', { partitions: 3 })
  const A = eventOn(a, 'test.a')
  const raw = rawProducer(t)
  await raw.send(records(a, 'test.a', 0, 30))
  const seen: number[] = []
  const consumer = consumerOf(t, {
    catalog: createCatalog([A]),
    autoOffsetReset: 'now',
    // Produced after start() began and before any record is read: must be delivered.
    onAssign: async () => {
      await raw.send(records(a, 'test.a', 100, 12))
    },
  })
  consumer.on(A, (e) => void seen.push(e.payload.seq))
  await consumer.start()
  await waitFor(() => seen.length >= 12, 'the 12 produced during the join')
  await raw.send(records(a, 'test.a', 200, 6))
  await waitFor(() => seen.length >= 18, 'and those produced after')
  assert.deepEqual(
    [...seen].sort((x, y) => x - y),
    [...Array.from({ length: 12 }, (_, i) => 100 + i), ...Array.from({ length: 6 }, (_, i) => 200 + i)],
    'none of the backlog, all of what came after',
  )
})
