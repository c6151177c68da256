// Makes a broker keep no fetch session for new consumers: fills its session cache (1,000 slots by
// default) with sessions of its own. For two minutes (min.incremental.fetch.session.eviction.ms) a
// consumer's every fetch is then a full fetch that lists partitions in the order the client sends
// them, as on a busy production cluster whose cache is taken. The broker rotates partitions inside a
// session only, so without one, fetch order is the client's business.
import { Admin, Connection, fetchV17 } from '@platformatic/kafka'
import { uniqueName } from './kafka.ts'

export async function fillFetchSessionCache(bootstrap: string, topic: string, slots = 1000): Promise<number> {
  const [host, port] = bootstrap.split(':') as [string, string]
  const admin = new Admin({ clientId: uniqueName('sessions'), bootstrapBrokers: [bootstrap] })
  const topicId = (await admin.metadata({ topics: [topic] })).topics.get(topic)!.id
  await admin.close()
  const connection = new Connection(uniqueName('sessions'))
  await connection.connect(host, Number(port))
  let created = 0
  try {
    const partitions = [
      { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1 },
    ]
    for (let i = 0; i < slots; i++) {
      // Session id 0, epoch 0: a full fetch that asks the broker for a new session.
      const response = await fetchV17.api.async(connection, 0, 0, 1, 0, 0, 0, [{ topicId, partitions }], [], '')
      if (response.sessionId !== 0) created++
    }
  } finally {
    await connection.close()
  }
  return created
}
