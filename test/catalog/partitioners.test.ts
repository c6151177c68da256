// The built-in partitioners against published vectors and other clients' own code. The broker-level
// comparison with librdkafka is test/producer/partitioning-librdkafka.test.ts; with the Java client,
// test/producer/partitioning.test.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import kafkajs from 'kafkajs'
import {
  crc32Partition,
  DEFAULT_PARTITIONER,
  defineTopic,
  fnv1aPartition,
  murmur2Partition,
} from '../../src/catalog/index.ts'
import { fnv1a32 } from '../../src/catalog/partitioners.ts'
import { CatalogError } from '../../src/errors.ts'
import { partitionForKey } from '../../src/producer/index.ts'
import { FNV1A_MIN_INT32_KEY, sampleKeys } from '../support/keys.ts'

const b = (text: string) => Buffer.from(text)

test('FNV-1a (32 bits) gives the reference hashes', () => {
  // Test vectors of the FNV reference implementation (isthe.com/chongo/tech/comp/fnv), as int32.
  assert.equal(fnv1a32(b('')), 0x811c9dc5 | 0)
  assert.equal(fnv1a32(b('a')), 0xe40c292c | 0)
  assert.equal(fnv1a32(b('foobar')), 0xbf9cf968 | 0)
  // sarama's partitioner_test.go: this key hashes to 2147483648, the minimum int32.
  assert.equal(fnv1a32(b(FNV1A_MIN_INT32_KEY)), -2147483648)
})

test('fnv1a places keys like sarama’s NewHashPartitioner and kafka-go’s Hash balancer', () => {
  // kafka-go's balancer_test.go (TestHashBalancer), whose algorithm is documented as sarama's.
  assert.equal(fnv1aPartition(b('blah'), 2), 0)
  assert.equal(fnv1aPartition(b('blah'), 3), 1)
  assert.equal(fnv1aPartition(b('boop'), 3), 2)
  assert.equal(fnv1aPartition(b('20'), 16), 1)
  // The minimum int32: sarama takes the remainder (-48) then negates it; librdkafka's absolute value
  // of it stays negative, read unsigned (2^31 % 50). Both give 48.
  assert.equal(fnv1aPartition(b(FNV1A_MIN_INT32_KEY), 50), 48)
  // A remainder of zero from a negative hash is partition 0, not -0.
  const negative = sampleKeys().find((key) => fnv1a32(b(key)) < 0 && fnv1a32(b(key)) % 2 === 0)!
  assert.ok(Object.is(fnv1aPartition(b(negative), 2), 0))
})

test('crc32 places keys like librdkafka’s consistent partitioner and sarama’s CRC partitioner', () => {
  // sarama's partitioner_test.go (TestConsistentCRCHashPartitioner), 100 partitions. "SheetJS" has a
  // hash above 2^31: unsigned it gives 26, signed 70.
  const expected: [string, number][] = [
    ['abc123def456', 57],
    ['SheetJS', 26],
    ['9e8c7f4cf45857cfff7645d6', 24],
    ['3900446192ff85a5f67da10c', 75],
    ['0f4407b7a67d6d27de372198', 50],
  ]
  for (const [key, partition] of expected) assert.equal(crc32Partition(b(key), 100), partition, key)
  // kafka-go's balancer_test.go (TestCRC32Balancer): the CRC-32 values themselves.
  assert.equal(crc32Partition(b('23456'), 2 ** 32), 0xb1b451d7)
  assert.equal(crc32Partition(b('hejsan'), 2 ** 32), 0xd077037e)
  assert.equal(crc32Partition(b(''), 7), 0, 'an empty key hashes to 0')
})

test('murmur2 gives the Java client’s hashes', () => {
  // kafka-go's balancer_test.go (TestMurmur2), values checked there against the Java client; the
  // partition with 2^31 partitions is the hash with its sign bit cleared.
  const javaHashes: [string, number][] = [
    ['kafka', 0xd067cf64],
    ['giberish123456789', 0x8f552b0c],
    ['1234', 0x9fc97b14],
    ['234', 0xe7c009ca],
    ['34', 0x873930da],
    ['4', 0x5a4b5ca1],
    ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c],
    ['', 0x106e08d9],
  ]
  for (const [key, hash] of javaHashes) assert.equal(murmur2Partition(b(key), 2 ** 31), hash & 0x7fffffff, key)
})

test('murmur2 agrees with kafkajs’s DefaultPartitioner on 1,000 keys, the empty key included', () => {
  const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({ partitionId, leader: 1 }))
  const kafkajsPartition = kafkajs.Partitioners.DefaultPartitioner()
  const mismatched = sampleKeys().filter(
    (key) =>
      kafkajsPartition({ topic: 't', partitionMetadata, message: { key, value: null } } as never) !==
      murmur2Partition(b(key), 12),
  )
  assert.deepEqual(mismatched, [])
})

test('the three built-ins agree on about one key in six on 6 partitions: the choice matters', () => {
  // As docs/catalog.md says: mixing them is no better than chance (1/6 of 1,000 is 167).
  const keys = sampleKeys().map(b)
  const agree = (f: typeof murmur2Partition, g: typeof murmur2Partition) =>
    keys.filter((key) => f(key, 6) === g(key, 6)).length
  for (const [f, g] of [
    [murmur2Partition, fnv1aPartition],
    [murmur2Partition, crc32Partition],
    [fnv1aPartition, crc32Partition],
  ] as const) {
    const n = agree(f, g)
    assert.ok(n > 100 && n < 250, `${f.name} and ${g.name} agree on ${n} of 1,000 keys`)
  }
})

test('a topic’s partitioner: murmur2 by default, a built-in by name, or a function', () => {
  assert.equal(defineTopic({ name: 'a.b.v1', key: 'id' }).partitioner, DEFAULT_PARTITIONER)
  assert.equal(DEFAULT_PARTITIONER.name, 'murmur2')
  for (const name of ['murmur2', 'fnv1a', 'crc32'] as const) {
    const topic = defineTopic({ name: 'a.b.v1', key: 'id', partitioner: name })
    assert.equal(topic.partitioner.name, name)
    assert.equal(topic.partitioner.partition(b('user-1'), 12), partitionForKey('user-1', 12, name))
  }
  const custom = (key: Buffer, partitions: number) => key.length % partitions
  const topic = defineTopic({ name: 'a.b.v1', key: 'id', partitioner: custom })
  assert.equal(topic.partitioner.name, 'custom')
  assert.equal(topic.partitioner.partition(b('abcde'), 3), 2)
  assert.ok(Object.isFrozen(topic.partitioner))
})

test('an unknown partitioner name is a catalog error naming the valid ones', () => {
  assert.throws(
    () => defineTopic({ name: 'a.b.v1', key: 'id', partitioner: 'consistent_random' as never }),
    (err: unknown) =>
      err instanceof CatalogError &&
      /partitioner "consistent_random" is not one of murmur2, fnv1a, crc32/.test(err.message),
  )
  assert.throws(() => defineTopic({ name: 'a.b.v1', partitioner: 'toString' as never }), CatalogError)
})
