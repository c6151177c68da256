// Reads a topic as a downstream read_committed consumer sees it: every committed record up to the
// last stable offset, with the wire client alone (no kafkit code). Transaction markers take offsets
// of their own, so the end is reached when the fetch position passes it, not at a record.
import type { TestContext } from 'node:test'
import { Consumer, FetchIsolationLevels, MessagesStreamModes } from '@platformatic/kafka'
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
  const level =
    isolation === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED
  const consumer = track(
    t,
    new Consumer({
      clientId: uniqueName('committed-reader'),
      groupId: uniqueName('committed-reader'),
      bootstrapBrokers: brokers(),
      isolationLevel: level,
    }),
  )
  // A transaction's commit returns before its markers are written to the partitions: until then its
  // records are not readable yet. Read once no transaction is open (the stable offset is the end).
  let offsets = await consumer.listOffsets({ topics: [topic], isolationLevel: level })
  await waitFor(
    async () => {
      offsets = await consumer.listOffsets({ topics: [topic], isolationLevel: level })
      const high = await consumer.listOffsets({
        topics: [topic],
        isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      })
      const stable = offsets.get(topic) ?? []
      return (high.get(topic) ?? []).every((end, partition) => stable[partition] === end)
    },
    `no transaction open on ${topic}`,
    { timeoutMs },
  )
  const ends = new Map<number, bigint>()
  for (const [partition, end] of (offsets.get(topic) ?? []).entries()) if (end > 0n) ends.set(partition, end)
  const records: CommittedRecord[] = []
  if (ends.size === 0) return records
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.EARLIEST,
    maxWaitTime: 200,
  })
  const reached = () => {
    // The position moves when a response is parsed, before its records are read.
    if (stream.readableLength > 0) return false
    for (const [partition, end] of ends) {
      const position = stream.offsetsToFetch.get(`${topic}:${partition}`)
      if (position === undefined || position < end) return false
    }
    return true
  }
  const done = Promise.withResolvers<void>()
  const timer = setTimeout(
    () =>
      done.reject(new Error(`read ${records.length} records of ${topic}: the end was not reached in ${timeoutMs} ms`)),
    timeoutMs,
  )
  stream.on(
    'data',
    (message: { key?: Buffer; value: Buffer; headers: Map<Buffer, Buffer>; partition: number; offset: bigint }) => {
      const end = ends.get(message.partition)
      if (end === undefined || message.offset >= end) return
      const headers = new Map<string, string>()
      for (const [k, v] of message.headers) headers.set(k.toString(), v.toString())
      records.push({
        key: message.key?.toString(),
        value: message.value,
        headers,
        partition: message.partition,
        offset: message.offset,
      })
    },
  )
  const check = () => {
    if (reached()) done.resolve()
  }
  stream.on('fetch', check)
  try {
    await done.promise
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => undefined)
  }
  return records
}
