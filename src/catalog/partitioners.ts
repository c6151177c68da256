// Which partition a key goes to, per topic. A topic that other clients also write to must hash keys
// the way they do, or one entity's events split over two partitions and lose their order. Each
// built-in is bit-compatible with the clients named below (docs/catalog.md, "Mixed fleets"); every
// one hashes an empty key like any other key. Records without a key are spread by the producer
// (sticky), whatever the partitioner: no client places them deterministically.
import { crc32 } from 'node:zlib'
import { compatibilityPartitioner } from '@platformatic/kafka'
import { CatalogError } from '../errors.ts'

/** Partition of a key, given the topic's partition count: an integer in [0, partitions). */
export type PartitionFunction = (key: Buffer, partitions: number) => number

export const PARTITIONER_NAMES = ['murmur2', 'fnv1a', 'crc32'] as const
export type PartitionerName = (typeof PARTITIONER_NAMES)[number]

/** What `defineTopic({ partitioner })` accepts: a built-in's name or a function of your own. */
export type PartitionerOption = PartitionerName | PartitionFunction

export interface TopicPartitioner {
  readonly name: PartitionerName | 'custom'
  readonly partition: PartitionFunction
}

/**
 * The Java client's (and librdkafka's `murmur2` / `murmur2_random`, franz-go's, kafkajs's,
 * sarama's `NewMurmur2Partitioner`): the murmur2 hash with its sign bit cleared, modulo the count.
 */
export function murmur2Partition(key: Buffer, partitions: number): number {
  return compatibilityPartitioner(undefined as never, key) % partitions
}

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** FNV-1a, 32 bits, as a signed 32-bit integer (what Go's `int32(fnv.New32a().Sum32())` gives). */
export function fnv1a32(key: Buffer): number {
  let h = FNV_OFFSET | 0
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, FNV_PRIME)
  return h
}

/**
 * sarama's default `NewHashPartitioner`, kafka-go's `Hash` balancer and librdkafka's `fnv1a` /
 * `fnv1a_random`: the FNV-1a hash read as a signed 32-bit integer, remainder, then its absolute
 * value. (sarama takes the remainder first, librdkafka the absolute value first: the same result
 * for every hash, the minimum int32 included.) Math.abs also turns a remainder of -0 into 0.
 */
export function fnv1aPartition(key: Buffer, partitions: number): number {
  return Math.abs(fnv1a32(key) % partitions)
}

/**
 * librdkafka's `consistent` and `consistent_random` (the default of librdkafka, confluent-kafka-go,
 * -python and the node-rdkafka API of confluent-kafka-javascript), sarama's
 * `NewConsistentCRCHashPartitioner`, kafka-go's `CRC32Balancer`: CRC-32 (IEEE, zlib's) of the key,
 * unsigned, modulo the count. An empty key hashes to 0, so it goes to partition 0, as with
 * `consistent`; `consistent_random` spreads empty keys instead (it treats them as missing).
 */
export function crc32Partition(key: Buffer, partitions: number): number {
  return crc32(key) % partitions
}

const BUILT_IN: Record<PartitionerName, TopicPartitioner> = {
  murmur2: Object.freeze({ name: 'murmur2', partition: murmur2Partition }),
  fnv1a: Object.freeze({ name: 'fnv1a', partition: fnv1aPartition }),
  crc32: Object.freeze({ name: 'crc32', partition: crc32Partition }),
}

/** kafkit's default: the Java client's partitioner. */
export const DEFAULT_PARTITIONER = BUILT_IN.murmur2

/** Resolves a topic's `partitioner` option once, when the topic is defined. */
export function resolvePartitioner(topic: string, option: PartitionerOption | undefined): TopicPartitioner {
  if (option === undefined) return DEFAULT_PARTITIONER
  if (typeof option === 'function') return Object.freeze({ name: 'custom', partition: option })
  if (Object.hasOwn(BUILT_IN, option)) return BUILT_IN[option]
  throw new CatalogError(
    `topic ${topic}: partitioner "${String(option)}" is not one of ${PARTITIONER_NAMES.join(', ')} (or a function (key, partitions) => partition)`,
  )
}
