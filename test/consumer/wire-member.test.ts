// The group member on the wire client, against the broker: pausing a partition stops its delivery,
// resuming delivers it again from exactly where it stopped (or from a record given back), with
// nothing skipped and nothing twice; partitions rotate in the fetch order.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ProduceAcks, Producer as WireProducer } from '@platformatic/kafka'
import type { AssignmentChange, FetchedRecord, GroupMember } from '../../src/consumer/member.ts'
import { FetchOrder } from '../../src/consumer/fetch-order.ts'
import { wireMembers } from '../../src/consumer/wire-member.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { systemClock } from '../../src/util/clock.ts'
import { brokers, createTopic, defer, track, uniqueName, waitFor } from '../support/kafka.ts'

async function produce(t: Parameters<typeof createTopic>[0], topic: string, perPartition: number) {
  const producer = track(
    t,
    new WireProducer({ clientId: uniqueName('p'), bootstrapBrokers: brokers(), acks: ProduceAcks.ALL }),
  )
  for (const partition of [0, 1]) {
    await producer.send({
      messages: Array.from({ length: perPartition }, (_, i) => ({
        topic,
        partition,
        value: Buffer.from(`${partition}:${i}`),
      })),
    })
  }
}

async function joined(t: Parameters<typeof createTopic>[0], topic: string) {
  const member: GroupMember = wireMembers(
    { brokers: brokers() },
    silentLogger(),
    systemClock,
  )({
    group: uniqueName('member'),
    rebalanceProtocol: 'eager',
    joinTimeoutMs: 30_000,
    topics: [topic],
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
    rebalanceTimeoutMs: 10_000,
    autoOffsetReset: 'earliest',
    fetchMinBytes: 1,
    fetchMaxBytes: 1024 * 1024,
    // Small fetches: the stream holds records of a partition when it is paused.
    fetchMaxBytesPerPartition: 512,
    fetchMaxWaitMs: 100,
    maxPollRecords: 10,
  })
  const changes: AssignmentChange[] = []
  await member.join({
    readable: () => undefined,
    assigned: (c) => void changes.push(c),
    failed: () => undefined,
    revoking: () => Promise.resolve(),
  })
  defer(t, () => member.close(5000))
  await waitFor(() => changes.some((c) => c.added.length === 2), 'both partitions assigned')
  return member
}

/** Reads whatever the member delivers until `until` holds. */
async function readUntil(member: GroupMember, seen: FetchedRecord[], until: () => boolean, what: string) {
  await waitFor(() => {
    for (let r = member.read(); r !== null; r = member.read()) seen.push(r)
    return until()
  }, what)
}

const offsetsOf = (records: FetchedRecord[], partition: number) =>
  records.filter((r) => r.partition === partition).map((r) => Number(r.offset))
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

test('a paused partition is not delivered; resumed, it goes on from where it stopped: nothing skipped, nothing twice', async (t) => {
  const topic = await createTopic(t, 'member-pause', { partitions: 2 })
  await produce(t, topic, 200)
  const member = await joined(t, topic)
  const seen: FetchedRecord[] = []
  await readUntil(member, seen, () => offsetsOf(seen, 0).length >= 20, '20 records of partition 0')
  member.pause({ topic, partition: 0 })
  const atPause = offsetsOf(seen, 0).length
  await readUntil(member, seen, () => offsetsOf(seen, 1).length === 200, 'all of partition 1')
  assert.equal(offsetsOf(seen, 0).length, atPause, 'nothing of partition 0 was delivered while it was paused')
  member.resume({ topic, partition: 0 }, BigInt(atPause))
  await readUntil(member, seen, () => offsetsOf(seen, 0).length >= 200, 'the rest of partition 0')
  assert.deepEqual(offsetsOf(seen, 0), range(0, 200), 'every offset of partition 0 once, in order')
  assert.deepEqual(offsetsOf(seen, 1), range(0, 200))
})

test('a record given back with the pause is the first delivered on resume', async (t) => {
  const topic = await createTopic(t, 'member-giveback', { partitions: 2 })
  await produce(t, topic, 100)
  const member = await joined(t, topic)
  const seen: FetchedRecord[] = []
  await readUntil(member, seen, () => offsetsOf(seen, 1).length >= 30, '30 records of partition 1')
  const returned = seen.filter((r) => r.partition === 1).at(-1)!
  seen.splice(seen.indexOf(returned), 1)
  member.pause({ topic, partition: 1 }, returned.offset)
  await readUntil(member, seen, () => offsetsOf(seen, 0).length === 100, 'all of partition 0')
  member.resume({ topic, partition: 1 }, returned.offset)
  await readUntil(member, seen, () => offsetsOf(seen, 1).length >= 100, 'the rest of partition 1')
  assert.deepEqual(offsetsOf(seen, 1), range(0, 100), 'the returned record came again, then the rest')
})

test('the fetch order rotates: a partition that returned records goes to the back; a paused one is left out', () => {
  const wire = { assignments: [{ topic: 't', partitions: [0, 1, 2, 3] }] }
  const order = new FetchOrder(wire)
  order.toBack('t', 0)
  order.toBack('t', 1)
  assert.deepEqual(wire.assignments[0]!.partitions, [2, 3, 0, 1])
  order.exclude({ topic: 't', partition: 3 })
  assert.deepEqual(wire.assignments[0]!.partitions, [2, 0, 1])
  wire.assignments = [{ topic: 't', partitions: [0, 1, 2, 3] }] // a join makes new lists
  order.adopt()
  assert.deepEqual(wire.assignments[0]!.partitions, [0, 1, 2], 'still left out after a join')
  order.include({ topic: 't', partition: 3 })
  assert.deepEqual(wire.assignments[0]!.partitions, [0, 1, 2, 3])
})
