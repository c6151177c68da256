// Reads a topic as a downstream read_committed consumer sees it: every committed record up to the
// last stable offset, with the test's own isolation reader (isolation-reader.ts: the wire client's
// raw Fetch and Kafka's read_committed rule, no kafkit code). Transaction markers take offsets of
// their own, so the end is reached when the fetch position passes it, not at a record.
import type { TestContext } from 'node:test'
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka'
import { readWithIsolation } from './isolation-reader.ts'
import { brokers, track, uniqueName, waitFor } from './kafka.ts'

export interface CommittedRecord {
  key: string | undefined
  value: Buffer
  headers: Map<string, string>
  partition: number
  offset: bigint
}

type Level = 'read_committed' | 'read_uncommitted'

export async function readCommitted(
  t: TestContext,
  topic: string,
  { timeoutMs = 60_000, isolation = 'read_committed' }: { timeoutMs?: number; isolation?: Level } = {},
): Promise<CommittedRecord[]> {
  const ends = await stableEnds(t, topic, isolation, timeoutMs)
  const reached = (_: unknown, positions: readonly bigint[]) =>
    ends.every((end, partition) => (positions[partition] ?? 0n) >= end)
  const records = await readWithIsolation(topic, isolation, reached, timeoutMs)
  return records
    .filter((r) => r.offset < (ends[r.partition] ?? 0n))
    .map((r) => ({
      key: r.key?.toString(),
      value: r.value ?? Buffer.alloc(0),
      headers: new Map(r.headers.map(([k, v]) => [k.toString(), v?.toString() ?? ''])),
      partition: r.partition,
      offset: r.offset,
    }))
}

/**
 * Each partition's end offset, once no transaction is open on the topic. A transaction's commit
 * returns before its markers are written to the partitions: until then its records are not
 * readable yet. Read once the stable offset is the end.
 */
async function stableEnds(t: TestContext, topic: string, isolation: Level, timeoutMs: number): Promise<bigint[]> {
  const level =
    isolation === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED
  const consumer = track(
    t,
    new Consumer({
      clientId: uniqueName('committed-reader'),
      groupId: uniqueName('committed-reader'),
      bootstrapBrokers: brokers(),
    }),
  )
  let ends: bigint[] = []
  await waitFor(
    async () => {
      const offsets = await consumer.listOffsets({ topics: [topic], isolationLevel: level })
      const high = await consumer.listOffsets({
        topics: [topic],
        isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      })
      ends = offsets.get(topic) ?? []
      return (high.get(topic) ?? []).every((end, partition) => ends[partition] === end)
    },
    `no transaction open on ${topic}`,
    { timeoutMs },
  )
  return ends
}
