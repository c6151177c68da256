// The in-memory Kafka on its own terms: what it stores, the broker errors it answers with, its
// groups, and each fault control, with kafkit's real producer and consumer on top.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { partitionForKey } from '../../src/producer/partitioner.ts'
import { createTestKafkit, InMemoryKafka, type InMemoryMember } from '../../src/testing/index.ts'

function catalog(partitions = 4, config: Record<string, string> = {}) {
  const topic = defineTopic({ name: 'broker.orders', key: 'order_id', partitions, config })
  const Placed = defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic,
    schema: z.object({ order_id: z.string(), note: z.string().default('') }),
  })
  return { topic, Placed }
}

test('records go to the murmur2 partition of their key, at offsets in order, with headers and timestamps', async () => {
  const { topic, Placed } = catalog(4)
  const kit = createTestKafkit({ catalog: [Placed] })
  const before = BigInt(Date.now())
  for (const key of ['a', 'b', 'c', 'a', 'd', 'a'])
    await kit.publish(Placed, { order_id: key }, { headers: { h: key } })
  const records = kit.broker.records(topic.name)
  assert.equal(records.length, 6)
  for (const r of records) {
    assert.equal(r.partition, partitionForKey(r.key!, 4))
    const headers = new Map(r.headerEntries.map(([k, v]) => [k.toString(), v?.toString()]))
    assert.equal(headers.get('h'), r.key!.toString())
    // The producer stamps records (CreateTime), as the wire client does.
    assert.ok(r.timestamp >= before && r.timestamp <= BigInt(Date.now()))
  }
  const partition = kit.broker.records(topic.name, partitionForKey('a', 4))
  assert.deepEqual(
    partition.map((r) => r.offset),
    partition.map((_, i) => BigInt(i)),
  )
  assert.deepEqual(
    partition.filter((r) => r.key!.toString() === 'a').map((r) => r.headerEntries.length > 0),
    [true, true, true],
  )
  await kit.close()
})

test('a topic that does not exist: the publish fails as on a real broker', async () => {
  const { Placed } = catalog()
  const kit = createTestKafkit({ catalog: [Placed] })
  const error = await kit.kafkit.producer.sendRecords([{ topic: 'no-such-topic', value: Buffer.from('x') }]).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(KafkitError.is(error))
  assert.equal(error.code, ErrorCodes.PUBLISH_FAILED)
  assert.match(error.message, /does the topic exist/)
  await kit.close()
})

test('a record larger than the topic’s max.message.bytes: the broker refuses it (MESSAGE_TOO_LARGE)', async () => {
  const { Placed } = catalog(1, { 'max.message.bytes': '2000' })
  const kit = createTestKafkit({ catalog: [Placed] })
  await kit.publish(Placed, { order_id: 'small' })
  const error = await kit.publish(Placed, { order_id: 'big', note: 'x'.repeat(3000) }).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(KafkitError.is(error))
  assert.equal(error.code, ErrorCodes.RECORD_TOO_LARGE)
  assert.equal(kit.broker.records(Placed.topic.name).length, 1)
  await kit.close()
})

test('failNextProduce: a retriable error is retried by the producer; one that is not fails the publish', async () => {
  const { Placed } = catalog(1)
  const kit = createTestKafkit({ catalog: [Placed] })
  kit.broker.failNextProduce(2, 'NOT_LEADER_OR_FOLLOWER')
  const ok = await kit.publish(Placed, { order_id: 'a' })
  assert.equal(ok.offset, 0n)
  kit.broker.failNextProduce(1, 'INVALID_RECORD')
  const error = await kit.publish(Placed, { order_id: 'b' }).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(KafkitError.is(error))
  assert.match(error.message, /rejected .* as invalid/)
  assert.equal(kit.broker.records(Placed.topic.name).length, 1)
  await kit.close()
})

test('failNextCommit: the consumer reports the failing commit in health(), and the next commit carries the offsets', async () => {
  const { topic, Placed } = catalog(1)
  const kit = createTestKafkit({ catalog: [Placed] })
  const consumer = kit.consumer({ group: 'g', commitInterval: 100 }).on(Placed, () => undefined)
  await consumer.start()
  kit.broker.failNextCommit(1, 'COORDINATOR_NOT_AVAILABLE', { group: 'g' })
  await kit.publish(Placed, { order_id: 'a' })
  await kit.waitForHandled(Placed, { order_id: 'a' })
  await kit.waitFor(() => consumer.health().runners[0]!.commitFailing)
  assert.equal(kit.broker.committed('g', topic.name, 0), undefined)
  await kit.waitFor(() => kit.broker.committed('g', topic.name, 0) === 1n)
  assert.equal(consumer.health().runners[0]!.commitFailing, false)
  await kit.close()
})

test('earliest and latest: a new group starts at the beginning or at the end', async () => {
  const { Placed } = catalog(1)
  const kit = createTestKafkit({ catalog: [Placed] })
  await kit.publish(Placed, { order_id: 'before' })
  const early: string[] = []
  const late: string[] = []
  const a = kit.consumer({ group: 'early', autoOffsetReset: 'earliest' })
  a.on(Placed, (e) => void early.push(e.payload.order_id))
  const b = kit.consumer({ group: 'late', autoOffsetReset: 'latest' })
  b.on(Placed, (e) => void late.push(e.payload.order_id))
  await a.start()
  await b.start()
  await kit.publish(Placed, { order_id: 'after' })
  await kit.waitFor(() => early.length === 2 && late.length === 1)
  assert.deepEqual(early, ['before', 'after'])
  assert.deepEqual(late, ['after'])
  await kit.close()
})

test('groups: members share partitions, a rebalance moves them, committed offsets carry over', async () => {
  const { topic, Placed } = catalog(4)
  const kit = createTestKafkit({ catalog: [Placed] })
  const consumer = kit.consumer({ group: 'g' }).on(Placed, () => undefined)
  await consumer.start()
  const group = kit.broker.group('g')
  assert.equal(consumer.status().runners[0]!.assigned.length, 4)
  const other = group.addMember({ topics: [topic.name] })
  assert.equal(other.assignment.length, 2)
  assert.equal(consumer.status().runners[0]!.assigned.length, 2)
  const generation = group.generation
  kit.broker.rebalance('g')
  assert.equal(group.generation, generation + 1)
  await other.close(0)
  assert.equal(consumer.status().runners[0]!.assigned.length, 4)
  assert.equal(consumer.health().status, 'ok')
  await kit.close()
})

test('evict: the member learns it was removed and the consumer joins again as a new member', async () => {
  const { Placed } = catalog(2)
  const kit = createTestKafkit({ catalog: [Placed] })
  const handled: string[] = []
  const consumer = kit.consumer({ group: 'g' }).on(Placed, (e) => void handled.push(e.payload.order_id))
  await consumer.start()
  const group = kit.broker.group('g')
  const first = group.members[0]!
  group.evict(first)
  await kit.waitFor(() => group.members.length === 1 && group.members[0] !== first)
  await kit.publish(Placed, { order_id: 'a' })
  await kit.waitFor(() => handled.includes('a'))
  assert.equal(consumer.status().runners[0]!.restarts, 1)
  await kit.close()
})

test('crash: the member commits nothing more and its partitions go to the others; what it did not commit comes again', async () => {
  const { Placed } = catalog(1)
  const kit = createTestKafkit({ catalog: [Placed] })
  const seen: string[] = []
  const a = kit
    .consumer({ group: 'g', commitInterval: '1h' })
    .on(Placed, (e) => void seen.push(`a:${e.payload.order_id}`))
  await a.start()
  await kit.publish(Placed, { order_id: 'x' })
  await kit.waitFor(() => seen.length === 1)
  const group = kit.broker.group('g')
  const crashed = group.members[0] as InMemoryMember
  group.crash(crashed)
  assert.equal(crashed.state, 'dead')
  const b = kit.consumer({ group: 'g' }).on(Placed, (e) => void seen.push(`b:${e.payload.order_id}`))
  await b.start()
  await kit.waitFor(() => seen.length === 2)
  assert.deepEqual(seen, ['a:x', 'b:x'])
  await kit.close()
})

test('delayFetch: nothing is delivered until the delay has passed on the broker’s clock', async () => {
  const { Placed } = catalog(1)
  const kit = createTestKafkit({ catalog: [Placed] })
  const handled: number[] = []
  const consumer = kit.consumer({ group: 'g' }).on(Placed, () => void handled.push(kit.clock.now()))
  await consumer.start()
  const start = kit.clock.now()
  kit.broker.delayFetch(5000, { group: 'g' })
  await kit.publish(Placed, { order_id: 'a' })
  await kit.waitFor(() => true, { advanceClock: false })
  assert.equal(handled.length, 0)
  await kit.advance(4999)
  assert.equal(handled.length, 0)
  await kit.advance(1)
  await kit.waitFor(() => handled.length === 1, { advanceClock: false })
  assert.equal(handled[0]! - start, 5000)
  await kit.close()
})

test('lag and health come from the broker: end offsets and committed offsets', async () => {
  const { Placed } = catalog(1)
  const kit = createTestKafkit({ catalog: [Placed] })
  const consumer = kit.consumer({ group: 'g', lagInterval: 1000 }).on(Placed, () => undefined)
  await consumer.start()
  for (const id of ['a', 'b', 'c']) await kit.publish(Placed, { order_id: id })
  await kit.waitFor(() => kit.broker.committed('g', Placed.topic.name, 0) === 3n)
  await consumer.refreshLag()
  assert.equal(consumer.health().runners[0]!.lag?.total, 0)
  assert.equal(consumer.health().status, 'ok')
  await kit.close()
})

test('the broker is usable alone: append, read and commit without kafkit on top', () => {
  const broker = new InMemoryKafka()
  broker.createTopic('t', { partitions: 2 })
  assert.equal(broker.append('t', 1, [{ key: null, value: Buffer.from('v'), headers: undefined, timestamp: 5n }]), 0n)
  assert.equal(broker.records('t', 1)[0]!.timestamp, 5n)
  assert.equal(broker.endOffset('t', 1), 1n)
  assert.throws(() => broker.append('u', 0, []), /UNKNOWN_TOPIC_OR_PARTITION|does not host/)
  assert.throws(() => broker.createTopic('t', { partitions: 3 }), /exists with 2 partitions/)
})

test('cooperative: a joining member takes only the partitions that move, after their owner committed', async () => {
  const { topic, Placed } = catalog(4)
  const kit = createTestKafkit({ catalog: [Placed] })
  const handled: string[] = []
  const consumer = kit
    .consumer({ group: 'coop', rebalanceProtocol: 'cooperative', commitInterval: '1h' })
    .on(Placed, (event) => void handled.push(event.payload.order_id))
  await consumer.start()
  const group = kit.broker.group('coop')
  await group.settled()
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await kit.publish(Placed, { order_id: id })
  await kit.waitFor(() => handled.length === 6)
  const before = group.generation
  const other = group.addMember({ topics: [topic.name] })
  assert.equal(other.options.rebalanceProtocol, 'cooperative', 'it speaks the group’s protocol')
  assert.ok(group.rebalancing)
  await group.settled()
  // Two steps: the owner keeps 0 and 1 (and commits what it gives up), then 2 and 3 go to the other.
  const steps = group.history.filter((h) => h.generation > before)
  const parts = (m: InMemoryMember | undefined, step: (typeof steps)[number]) =>
    (step.assignments.get(m!) ?? []).map((tp) => tp.partition)
  const owner = group.members.find((m) => m !== other)
  assert.deepEqual(
    steps.map((s) => [parts(owner, s), parts(other, s)]),
    [
      [[0, 1], []],
      [
        [0, 1],
        [2, 3],
      ],
    ],
  )
  for (const partition of [2, 3])
    assert.equal(kit.broker.committed('coop', topic.name, partition), kit.broker.endOffset(topic.name, partition))
  await kit.close()
})

test('transactions: read_committed reads stop at an open transaction and skip aborted records; a new producer with the id fences the old one', async () => {
  const broker = new InMemoryKafka()
  broker.createTopic('t')
  const producers = broker.transactionalProducers()
  const first = producers('tx', 60_000)
  const record = (v: string) => ({ topic: 't', partition: 0, value: Buffer.from(v) })
  const open = await first.begin()
  await open.send([record('open')])
  broker.append('t', 0, [{ key: null, value: Buffer.from('plain'), headers: undefined, timestamp: undefined }])
  const values = (isolation: 'read_committed' | 'read_uncommitted') =>
    broker.records('t', 0, { isolation }).map((r) => r.value!.toString())
  assert.deepEqual(values('read_committed'), [], 'nothing past the open transaction')
  assert.deepEqual(values('read_uncommitted'), ['open', 'plain'])
  // The same id again: the open transaction is aborted (a marker written), the first producer fenced.
  const second = producers('tx', 60_000)
  const next = await second.begin()
  assert.deepEqual(values('read_committed'), ['plain'])
  await assert.rejects(open.commit(), (error: { apiId?: string }) => error.apiId === 'PRODUCER_FENCED')
  await next.send([record('committed')])
  await next.commit()
  assert.deepEqual(values('read_committed'), ['plain', 'committed'])
  // Four records and two markers: the markers take offsets and are never read.
  assert.equal(broker.endOffset('t', 0), 5n)
  assert.equal(broker.lastStableOffset('t', 0), 5n)
})
