// kafkit's partitioners against librdkafka on the real broker: for every hashing partitioner kcat
// offers, 1,000 keys produced by kcat and by kafkit land on the same partitions, read back from the
// topic. The only records left out are those librdkafka itself does not place by key (the empty
// key under consistent_random, which it spreads like a missing key).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, type PartitionerName } from '../../src/catalog/index.ts'
import { createTopic } from '../support/kafka.ts'
import { kcatProduce, kcatRead, requireKcat, type KcatRecord } from '../support/kcat.ts'
import { sampleKeys } from '../support/keys.ts'
import { testProducer } from './support.ts'

const PARTITIONS = 12

const modes: { librdkafka: string; kafkit: PartitionerName; emptyKeySpread?: true }[] = [
  { librdkafka: 'murmur2_random', kafkit: 'murmur2' },
  { librdkafka: 'murmur2', kafkit: 'murmur2' },
  { librdkafka: 'fnv1a_random', kafkit: 'fnv1a' },
  { librdkafka: 'fnv1a', kafkit: 'fnv1a' },
  { librdkafka: 'consistent_random', kafkit: 'crc32', emptyKeySpread: true },
  { librdkafka: 'consistent', kafkit: 'crc32' },
]

for (const mode of modes) {
  test(`librdkafka partitioner=${mode.librdkafka} and kafkit partitioner '${mode.kafkit}' agree on 1,000 keys`, async (t) => {
    if (!requireKcat(t)) return
    const topic = await createTopic(t, `interop-${mode.kafkit}`, { partitions: PARTITIONS })
    const keys = sampleKeys()
    assert.equal(keys.length, 1000)

    await kcatProduce(
      topic,
      keys.map((key, i) => ({ key, value: `kcat:${i}` })),
      mode.librdkafka,
    )
    const keyed = defineTopic({ name: topic, key: 'k', partitions: PARTITIONS, partitioner: mode.kafkit })
    const Keyed = defineEvent({
      type: 'interop.keyed',
      version: '1.0',
      topic: keyed,
      schema: z.object({ k: z.string(), i: z.number() }),
    })
    const producer = testProducer(t)
    await producer.publishBatch(keys.map((k, i) => ({ event: Keyed, payload: { k, i } })))

    const { fromKcat, fromKafkit } = byProducer(await kcatRead(topic), keys)
    let compared = 0
    const disagreements: string[] = []
    keys.forEach((key, i) => {
      if (key === '' && mode.emptyKeySpread) return
      compared++
      const theirs = fromKcat.get(i)
      const ours = fromKafkit.get(i)
      if (theirs === undefined || theirs !== ours) disagreements.push(`${JSON.stringify(key)}: ${theirs} vs ${ours}`)
    })
    assert.equal(
      disagreements.length,
      0,
      `${disagreements.length} keys placed differently by librdkafka (${mode.librdkafka}) and kafkit, e.g. ${disagreements.slice(0, 10).join('; ')}`,
    )
    assert.equal(compared, mode.emptyKeySpread ? 999 : 1000)
    // kafkit hashes the empty key whatever the mode: under crc32 its hash is 0, so partition 0.
    if (mode.kafkit === 'crc32') assert.equal(fromKafkit.get(keys.indexOf('')), 0)
  })
}

/** Each producer's partition per key index, checking that both wrote the key bytes they were given. */
function byProducer(records: KcatRecord[], keys: string[]) {
  const fromKcat = new Map<number, number>()
  const fromKafkit = new Map<number, number>()
  for (const record of records) {
    const payload = record.payload ?? ''
    const index = payload.startsWith('kcat:')
      ? Number(payload.slice('kcat:'.length))
      : (JSON.parse(payload) as { payload: { i: number } }).payload.i
    assert.equal(record.key, keys[index], `record ${index} carries its key, not null`)
    ;(payload.startsWith('kcat:') ? fromKcat : fromKafkit).set(index, record.partition)
  }
  assert.equal(fromKcat.size, keys.length, 'every kcat record read back')
  assert.equal(fromKafkit.size, keys.length, 'every kafkit record read back')
  return { fromKcat, fromKafkit }
}
