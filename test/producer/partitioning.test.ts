// Partitioning agrees with the Java client (run from the cached Kafka jars), so that one key's
// events land on the same partition whichever language produced them.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { defaultPartitioner, Producer as WireProducer } from '@platformatic/kafka'
import { z } from 'zod'
import { defineEvent, defineTopic, type PartitionerOption } from '../../src/catalog/index.ts'
import { ErrorCodes, type KafkitError } from '../../src/errors.ts'
import { partitionForKey } from '../../src/producer/index.ts'
import { javaAvailable, javaPartitions } from '../support/java.ts'
import { createKafkit } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, defer, readTopic, track, uniqueName } from '../support/kafka.ts'
import { sampleKeys as interopKeys } from '../support/keys.ts'
import { readRecords, recordCount, testProducer } from './support.ts'

function sampleKeys(): string[] {
  const keys = ['', 'a', 'user-1', 'ride_42', 'ñandú', '東京', 'emoji-🚕', ' spaced key ']
  for (let i = 0; i < 500; i++) keys.push(`user-${i}`)
  for (let i = 0; i < 1000; i++) keys.push(randomUUID())
  for (let i = 0; i < 200; i++) keys.push(String(i * 7919))
  return keys
}

test('partitionForKey matches the Java client for over 1,700 keys and several partition counts', (t) => {
  if (!javaAvailable()) {
    t.skip('Java 17+ and the Kafka jars are needed for this check')
    return
  }
  const keys = sampleKeys()
  for (const partitions of [1, 3, 12, 64]) {
    const java = javaPartitions(keys, partitions)
    assert.equal(java.length, keys.length)
    const mismatched = keys.filter((key, i) => partitionForKey(key, partitions) !== java[i]?.partition)
    assert.deepEqual(mismatched, [], `keys placed differently from Java with ${partitions} partitions`)
  }
})

test('partitionForKey spreads keys over every partition', () => {
  const counts = new Array<number>(12).fill(0)
  for (const key of sampleKeys()) counts[partitionForKey(key, 12)]!++
  assert.ok(
    counts.every((n) => n > 50),
    `every partition gets keys: ${counts.join(',')}`,
  )
  assert.equal(partitionForKey(Buffer.from('user-1'), 12), partitionForKey('user-1', 12), 'bytes and text agree')
})

test('publish places keys with the topic’s partitioner, the broker writes them there', async (t) => {
  const topic = await createTopic(t, 'partitioner-custom', { partitions: 4 })
  // A function of the application's own: the key's last character, modulo the count.
  const lastChar = (key: Buffer, partitions: number) => (key.at(-1) ?? 0) % partitions
  const events = keyedEvents(topic, 4, lastChar)
  const producer = testProducer(t)
  const results = await producer.publishBatch(
    ['a', 'b', 'c', 'd', 'e'].map((k) => ({ event: events.Keyed, payload: { k } })),
  )
  assert.deepEqual(
    results.map((r) => r.partition),
    ['a', 'b', 'c', 'd', 'e'].map((k) => k.charCodeAt(0) % 4),
  )
  const records = await readRecords(t, topic, 5)
  for (const record of records) assert.equal(record.partition, record.key!.charCodeAt(0) % 4, record.key)

  // A built-in other than the default: fnv1a, on the same path.
  const fnv = keyedEvents(topic, 4, 'fnv1a')
  const result = await producer.publish(fnv.Keyed, { k: 'user-2' })
  assert.equal(result.partition, partitionForKey('user-2', 4, 'fnv1a'))
  assert.notEqual(partitionForKey('user-2', 4, 'fnv1a'), partitionForKey('user-2', 4), 'the test tells them apart')
})

test('a partition function that throws or answers out of range fails its own publish, clearly', async (t) => {
  const topic = await createTopic(t, 'partitioner-broken', { partitions: 3 })
  const broken = (key: Buffer, partitions: number) => {
    if (key.toString() === 'throws') throw new Error('no partition for you')
    return key.toString() === 'outside' ? partitions : 1
  }
  const { Keyed } = keyedEvents(topic, 3, broken)
  const producer = testProducer(t)
  const [threw, outside, fine] = await Promise.allSettled([
    producer.publish(Keyed, { k: 'throws' }),
    producer.publish(Keyed, { k: 'outside' }),
    producer.publish(Keyed, { k: 'fine' }),
  ])
  assert.equal(fine.status === 'fulfilled' && fine.value.partition, 1, 'the other records of the request go')
  for (const [outcome, message] of [
    [threw, /the topic's partitioner threw: no partition for you \(the topic has 3 partitions\): it was not sent/],
    [outside, /the topic's partitioner returned 3 \(the topic has 3 partitions\)/],
  ] as const) {
    assert.equal(outcome.status, 'rejected')
    const error = outcome.reason as KafkitError
    assert.equal(error.code, ErrorCodes.PUBLISH_FAILED)
    assert.equal(error.retryable, false)
    assert.match(error.message, message)
  }
  assert.equal(await recordCount(t, topic), 1)
})

test('the raw path uses the partitioner of the catalog topics it was given (replays land with their key)', async (t) => {
  const topic = await createTopic(t, 'partitioner-raw', { partitions: 12 })
  const other = await createTopic(t, 'partitioner-raw-other', { partitions: 12 })
  const { Keyed } = keyedEvents(topic, 12, 'crc32')
  // createKafkit hands its catalog's topics to its producer.
  const kafkit = createKafkit({
    service: 'replayer',
    catalog: [Keyed],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  const producer = kafkit.producer
  const keys = interopKeys().slice(1, 101)
  const written = await producer.sendRecords(
    keys.flatMap((key) => [
      { topic, key, value: Buffer.from('{}') },
      { topic: other, key, value: Buffer.from('{}') },
    ]),
  )
  keys.forEach((key, i) => {
    assert.equal(written[2 * i]!.partition, partitionForKey(key, 12, 'crc32'), `${key} on the crc32 topic`)
    assert.equal(written[2 * i + 1]!.partition, partitionForKey(key, 12), `${key} elsewhere: murmur2`)
  })
})

test('@platformatic/kafka’s own default partitioner is not Java’s; a kafkit function can follow it', async (t) => {
  // For the compatibility table: services on the wire client without `compatibilityPartitioner`
  // hash murmur2 unsigned, which differs from Java for about half the keys.
  const topic = await createTopic(t, 'partitioner-platformatic', { partitions: 12 })
  const keys = interopKeys()
  const wire = track(
    t,
    new WireProducer({
      clientId: uniqueName('plt-default'),
      bootstrapBrokers: brokers(),
      // Idempotent: without it, 2.12.1 wrote some of these records more than once to the new topic,
      // and duplicates would hide keys from the count-bounded read below.
      idempotent: true,
    }),
  )
  await wire.send({ messages: keys.map((key, i) => ({ topic, key: Buffer.from(key), value: Buffer.from(String(i)) })) })
  const onBroker = new Map<string, number>()
  for (const record of await readTopic(t, topic, keys.length))
    onBroker.set(record.key?.toString() ?? '', record.partition)
  const platformaticDefault = (key: Buffer, partitions: number) =>
    defaultPartitioner(undefined as never, key) % partitions
  const differing = keys.filter((key) => partitionForKey(key, 12) !== onBroker.get(key))
  const followed = keys.filter((key) => partitionForKey(key, 12, platformaticDefault) !== onBroker.get(key))
  assert.deepEqual(followed, [], 'the function reproduces the wire client’s placement')
  assert.ok(differing.length > 300, `murmur2 (Java) places ${differing.length} of 1,000 keys elsewhere`)
})

function keyedEvents(topic: string, partitions: number, partitioner: PartitionerOption) {
  const keyed = defineTopic({ name: topic, key: 'k', partitions, partitioner })
  const Keyed = defineEvent({ type: 'test.keyed', version: '1.0', topic: keyed, schema: z.object({ k: z.string() }) })
  return { keyed, Keyed }
}
