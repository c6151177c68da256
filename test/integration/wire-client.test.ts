// The foundation check: the wire client, used the way kafkit will use it, against the real broker.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  compatibilityPartitioner,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka'
import { brokers, createTopic, testAdmin, track, uniqueName } from '../support/kafka.ts'
import { javaAvailable, javaPartitions } from '../support/java.ts'

const RECORDS = 1000
const PARTITIONS = 6
const KEYS = 97

test('1,000 keyed idempotent records are consumed in per-partition order and committed', async (t) => {
  const topic = await createTopic(t, 'wire-client', { partitions: PARTITIONS })
  const producer = track(
    t,
    new Producer({
      clientId: uniqueName('producer'),
      bootstrapBrokers: brokers(),
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
      serializers: stringSerializers,
    }),
  )
  const keyOf = (i: number) => `key-${i % KEYS}`
  // Ten awaited batches of 100: each key's records keep their order within and across batches.
  for (let batch = 0; batch < RECORDS / 100; batch++) {
    const messages = Array.from({ length: 100 }, (_, j) => {
      const i = batch * 100 + j
      return { topic, key: keyOf(i), value: String(i) }
    })
    const result = await producer.send({ messages })
    assert.ok(result.offsets && result.offsets.length > 0, 'acks=all returns offsets')
  }

  const group = uniqueName('group')
  const consumer = track(
    t,
    new Consumer({
      clientId: uniqueName('consumer'),
      groupId: group,
      bootstrapBrokers: brokers(),
      deserializers: stringDeserializers,
    }),
  )
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    maxWaitTime: 500,
  })
  const seen: { key: string; value: number; partition: number; offset: bigint }[] = []
  const lastOffset = new Map<number, bigint>()
  for await (const message of stream) {
    seen.push({ key: message.key, value: Number(message.value), partition: message.partition, offset: message.offset })
    lastOffset.set(message.partition, message.offset)
    if (seen.length === RECORDS) break
  }
  await consumer.commit({
    offsets: [...lastOffset].map(([partition, offset]) => ({ topic, partition, offset: offset + 1n, leaderEpoch: -1 })),
  })
  await stream.close()

  assert.equal(seen.length, RECORDS)
  assert.deepEqual(new Set(seen.map((r) => r.value)).size, RECORDS, 'every record arrived exactly once')

  // Per partition: offsets are contiguous from 0 and each key's values only grow.
  const byPartition = Map.groupBy(seen, (r) => r.partition)
  for (const [partition, records] of byPartition) {
    records.forEach((r, index) => assert.equal(r.offset, BigInt(index), `partition ${partition} offset order`))
    for (const [key, ofKey] of Map.groupBy(records, (r) => r.key)) {
      const values = ofKey.map((r) => r.value)
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `order of ${key}`,
      )
    }
  }

  // The committed group offsets equal the end of every partition.
  const admin = testAdmin(t)
  const [committed] = await admin.listConsumerGroupOffsets({ groups: [group] })
  const committedTopic = committed?.topics.find((x) => x.name === topic)
  assert.ok(committedTopic, 'the group committed offsets for the topic')
  for (const p of committedTopic.partitions) {
    const count = byPartition.get(p.partitionIndex)?.length ?? 0
    assert.equal(p.committedOffset, BigInt(count), `committed offset of partition ${p.partitionIndex}`)
  }

  // Java agreement: the partition of every record is the one the Java client would choose.
  if (javaAvailable()) {
    const keys = [...new Set(seen.map((r) => r.key))]
    const java = javaPartitions(keys, PARTITIONS)
    const expected = new Map(keys.map((k, i) => [k, java[i]?.partition]))
    for (const r of seen) assert.equal(r.partition, expected.get(r.key), `partition of ${r.key}`)
  } else {
    t.diagnostic('Java is not available: the Java-client partition check was skipped')
  }
})
