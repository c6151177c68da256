// read_committed, the client's half, on the real broker: the wire client's MessagesStream (which
// kafkit's member reads through) with and without kafkit's filter of aborted transactions, and the
// rule itself on responses whose batches are interleaved.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Consumer, FetchIsolationLevels, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka'
import { dropAbortedRecords, filterAbortedFetches, type FetchResponse } from '../../src/consumer/aborted.ts'
import { brokers, createTopic, track, uniqueName, waitFor } from '../support/kafka.ts'

/**
 * One partition holding, in offset order: a transaction of producer T (a1) with a plain record of
 * another producer written while it was open, its abort; a second aborted transaction of T (a2);
 * a committed one (c). A read_committed reader sees `plain` and `c`.
 */
async function written(t: TestContext): Promise<string> {
  const topic = await createTopic(t, 'aborted', { partitions: 1 })
  const options = { bootstrapBrokers: brokers(), idempotent: true, acks: ProduceAcks.ALL, retries: 5 }
  const tx = track(t, new Producer({ ...options, clientId: uniqueName('tx'), transactionalId: uniqueName('tx') }))
  const plain = track(t, new Producer({ ...options, clientId: uniqueName('plain') }))
  const send = (value: string) => ({ messages: [{ topic, value: Buffer.from(value) }] })
  const first = await tx.beginTransaction()
  await first.send(send('a1'))
  await plain.send(send('plain'))
  await first.abort()
  const second = await tx.beginTransaction()
  await second.send(send('a2'))
  await second.abort()
  const third = await tx.beginTransaction()
  await third.send(send('c'))
  await third.commit()
  return topic
}

/** What a read_committed MessagesStream delivers from the start to the end, the end, and where it then fetches. */
async function streamed(t: TestContext, topic: string, filter: boolean, maxBytesPerPartition: number) {
  const consumer = track(
    t,
    new Consumer({
      clientId: uniqueName('aborted-reader'),
      groupId: uniqueName('aborted-reader'),
      bootstrapBrokers: brokers(),
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    }),
  )
  const ends = await consumer.listOffsets({ topics: [topic], isolationLevel: FetchIsolationLevels.READ_COMMITTED })
  const end = ends.get(topic)![0]!
  let filtered = 0
  if (filter) filterAbortedFetches(consumer, () => filtered++)
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    mode: MessagesStreamModes.EARLIEST,
    maxWaitTime: 100,
    maxBytesPerPartition,
  })
  const values: string[] = []
  stream.on('data', (message: { value: Buffer }) => void values.push(message.value.toString()))
  const position = () => stream.offsetsToFetch.get(`${topic}:0`) ?? 0n
  try {
    await waitFor(() => position() >= end && stream.readableLength === 0, `${topic} streamed to ${end}`)
  } finally {
    await stream.close()
  }
  return { values, end, position: position(), filtered }
}

test('the wire client alone delivers aborted records whose marker is in a later fetch or follows another transaction', async (t) => {
  // When this fails after an upgrade, the wire client drops aborted records itself: aborted.ts can go.
  const topic = await written(t)
  assert.deepEqual((await streamed(t, topic, false, 1024 * 1024)).values, ['a1', 'plain', 'c'])
  // One batch per response: no abort marker is in the response of its records; none is dropped.
  assert.deepEqual((await streamed(t, topic, false, 1)).values, ['a1', 'plain', 'a2', 'c'])
})

test('with the filter, the stream delivers no aborted record and fetches past them', async (t) => {
  const topic = await written(t)
  // One batch per response as well: every abort marker then comes in a later fetch than its records.
  for (const maxBytesPerPartition of [1024 * 1024, 1]) {
    const { values, end, position, filtered } = await streamed(t, topic, true, maxBytesPerPartition)
    assert.deepEqual(values, ['plain', 'c'], `maxBytesPerPartition ${maxBytesPerPartition}`)
    assert.equal(position, end)
    // The stream fetches through consumer.fetch, where the filter sits.
    assert.ok(filtered > 0)
  }
})

/** A response of one partition; batches as [firstOffset, producerId, attributes, values] in order. */
function response(
  aborted: [producerId: bigint, firstOffset: bigint][],
  batches: [bigint, bigint, number, string[]][],
): FetchResponse {
  const records = batches.map(([firstOffset, producerId, attributes, values]) => ({
    firstOffset,
    producerId,
    attributes,
    lastOffsetDelta: values.length - 1,
    records: values.map((value, offsetDelta) => ({
      offsetDelta,
      // A control record's key: version 0, then its type (0 abort, 1 commit).
      key: attributes & CONTROL ? Buffer.from([0, 0, 0, value === 'ABORT' ? 0 : 1]) : null,
      value: Buffer.from(value),
    })),
  }))
  const partition = {
    abortedTransactions: aborted.map(([producerId, firstOffset]) => ({ producerId, firstOffset })),
    records,
  }
  return { responses: [{ partitions: [partition] }] } as unknown as FetchResponse
}

const TX = 1 << 4
const CONTROL = 1 << 5
const values = (r: FetchResponse) =>
  r.responses[0]!.partitions[0]!.records!.flatMap((b) =>
    b.attributes & CONTROL ? [] : b.records.map((x) => x.value!.toString()),
  )

test('the rule: a producer is aborting from its aborted transaction’s first offset to its ABORT marker', () => {
  const r = response(
    // Listed in any order.
    [
      [7n, 5n],
      [7n, 0n],
    ],
    [
      [0n, 7n, TX, ['a1']],
      [1n, 8n, TX, ['other producer']],
      [2n, 9n, 0, ['not transactional']],
      [3n, 7n, CONTROL | TX, ['ABORT']],
      [4n, 8n, CONTROL | TX, ['COMMIT']],
      [5n, 7n, TX, ['a2', 'a2 again']],
      [7n, 7n, CONTROL | TX, ['ABORT']],
      [8n, 7n, TX, ['committed']],
      [9n, 7n, CONTROL | TX, ['COMMIT']],
    ],
  )
  assert.equal(dropAbortedRecords(r), 2)
  assert.deepEqual(values(r), ['other producer', 'not transactional', 'committed'])
  // The batches stay (the stream's position moves past the last one), emptied.
  assert.equal(r.responses[0]!.partitions[0]!.records!.length, 9)
})

test('the rule: an aborted transaction that began before the response still drops its records', () => {
  const r = response(
    [[7n, 2n]],
    [
      [10n, 7n, TX, ['a']],
      [11n, 7n, CONTROL | TX, ['ABORT']],
      [12n, 7n, TX, ['c']],
    ],
  )
  assert.equal(dropAbortedRecords(r), 1)
  assert.deepEqual(values(r), ['c'])
})
