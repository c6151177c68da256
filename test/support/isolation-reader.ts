// A downstream reader of a topic with Kafka's isolation semantics, for tests on the real broker
// (the contract's real-broker backend; readCommitted in committed.ts). read_committed is a client's
// job as much as the broker's: the broker stops a fetch at the last stable offset and lists the
// aborted transactions in the range, and the client drops their records (the Java client's rule,
// below). The wire client (@platformatic/kafka 2.12) misapplies that list and shows some aborted
// records (test/consumer/aborted.test.ts): this reader fetches with the wire client's raw Fetch and
// applies the rule itself, written apart from kafkit's filter (src/consumer/aborted.ts) so that
// tests reading with it check that filter rather than share its mistakes.
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka'
import type { Isolation } from '../../src/consumer/member.ts'
import { brokers, uniqueName } from './kafka.ts'

export interface IsolatedRecord {
  key: Buffer | null
  value: Buffer | null
  headers: [Buffer, Buffer | null][]
  partition: number
  offset: bigint
}

const IS_TRANSACTIONAL = 1 << 4
const IS_CONTROL = 1 << 5

/**
 * Reads `topic` from its start, in offset order per partition, until `done` holds of the records
 * read and each partition's fetch position (one past the last offset read, markers included).
 */
export async function readWithIsolation(
  topic: string,
  isolation: Isolation,
  done: (records: IsolatedRecord[], positions: readonly bigint[]) => boolean,
  timeoutMs = 60_000,
): Promise<IsolatedRecord[]> {
  const consumer = new Consumer({
    clientId: uniqueName('isolation-reader'),
    groupId: uniqueName('isolation-reader'),
    bootstrapBrokers: brokers(),
  })
  const level =
    isolation === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED
  const records: IsolatedRecord[] = []
  const deadline = Date.now() + timeoutMs
  try {
    const metadata = await consumer.metadata({ topics: [topic] })
    const info = metadata.topics.get(topic)!
    const positions = info.partitions.map(() => 0n)
    const aborting = info.partitions.map(() => new Set<bigint>())
    while (!done(records, positions)) {
      if (Date.now() > deadline)
        throw new Error(`${topic} (${isolation}): not done in ${timeoutMs} ms; read ${records.length}`)
      for (const [partition, meta] of info.partitions.entries()) {
        const response = await consumer.fetch({
          node: meta.leader,
          isolationLevel: level,
          maxWaitTime: 100,
          topics: [
            {
              topicId: info.id,
              partitions: [
                {
                  partition,
                  currentLeaderEpoch: meta.leaderEpoch,
                  fetchOffset: positions[partition]!,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: 1024 * 1024,
                },
              ],
            },
          ],
        })
        const answer = response.responses[0]?.partitions[0]
        if (!answer) continue
        // Aborted transactions in the range, by the offset they start at.
        const aborted = [...(answer.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1))
        for (const batch of answer.records ?? []) {
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
          if (last < positions[partition]!) continue
          while (aborted.length > 0 && aborted[0]!.firstOffset <= last)
            aborting[partition]!.add(aborted.shift()!.producerId)
          positions[partition] = last + 1n
          const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0
          if ((batch.attributes & IS_CONTROL) !== 0) {
            // The marker ends its producer's transaction: later batches of that producer count again.
            aborting[partition]!.delete(batch.producerId)
            continue
          }
          if (
            level === FetchIsolationLevels.READ_COMMITTED &&
            transactional &&
            aborting[partition]!.has(batch.producerId)
          )
            continue
          for (const record of batch.records)
            records.push({
              key: record.key,
              value: record.value,
              headers: record.headers.map(([k, v]) => [k ?? Buffer.alloc(0), v] as [Buffer, Buffer | null]),
              partition,
              offset: batch.firstOffset + BigInt(record.offsetDelta),
            })
        }
      }
    }
    return records
  } finally {
    await consumer.close()
  }
}
