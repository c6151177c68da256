// Partitioning agrees with the Java client (run from the cached Kafka jars), so that one key's
// events land on the same partition whichever language produced them.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { partitionForKey } from '../../src/producer/index.ts'
import { javaAvailable, javaPartitions } from '../support/java.ts'

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
