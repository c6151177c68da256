// kafkit writes the Produce request's record batches itself (src/producer/encode.ts): the bytes must
// be exactly those of the wire client's encoder, for every shape of record it can be handed.
import assert from 'node:assert/strict'
import { mock, test } from 'node:test'
import { NumericMap, produceV11, produceV3 } from '@platformatic/kafka'
import { encodeProduceRequest, fastProduceApi, type WireMessage } from '../../src/producer/encode.ts'

const T0 = 1_764_000_000_000n

/** Records of every shape: keys and values null, empty, short and long (multi-byte varints), headers too. */
function records(count: number, topics: readonly string[], partitions: number): WireMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const headers = new Map<Buffer | undefined, Buffer | null | undefined>()
    if (i % 3 !== 0) headers.set(Buffer.from('event-id'), Buffer.from('x'.repeat(i % 50)))
    if (i % 4 === 1) headers.set(Buffer.from('empty'), Buffer.alloc(0))
    if (i % 5 === 2) headers.set(Buffer.from('nothing'), null)
    const record: WireMessage = {
      topic: topics[i % topics.length]!,
      key: i % 6 === 0 ? null : i % 6 === 1 ? Buffer.alloc(0) : Buffer.from(`key-${i}`),
      value: i % 7 === 0 ? null : i % 7 === 1 ? Buffer.alloc(0) : Buffer.alloc((i * 997) % 20_000, i),
      // Out of order on purpose: deltas are negative too.
      timestamp: T0 + BigInt(((i * 7919) % 100_000) - 50_000),
    }
    if (i % 8 !== 3) record.headers = headers
    if (i % 9 !== 4) record.partition = i % partitions
    return record
  })
}

const copy = (messages: WireMessage[]) => messages.map((m) => ({ ...m }))

function assertSameBytes(messages: WireMessage[], options: Parameters<typeof encodeProduceRequest>[3], acks = -1) {
  const wire = produceV11.createRequest(acks, 30_000, copy(messages) as never, options as never).buffer
  const kafkit = encodeProduceRequest(acks, 30_000, copy(messages), options).buffer
  assert.equal(kafkit.length, wire.length, 'same length')
  assert.ok(kafkit.equals(wire), 'same bytes')
}

for (const compression of ['none', 'snappy', 'lz4', 'zstd', undefined]) {
  test(`a Produce request is byte for byte the wire client's (compression ${compression})`, () => {
    for (const count of [1, 2, 63, 300]) {
      const sequences = new NumericMap()
      sequences.set('orders:1', 41)
      sequences.set('päyments.v1:0', 2 ** 31 - 5)
      const options = { compression, producerId: 123_456_789_012n, producerEpoch: 7, sequences }
      assertSameBytes(records(count, ['orders', 'päyments.v1'], 3), options)
      assertSameBytes(records(count, ['orders'], 1), { compression })
      assertSameBytes(records(count, ['orders'], 2), { ...options, transactionalId: 'tx-1' }, 1)
    }
  })
}

test('records without a timestamp get the request time, as with the wire client, and keep it', (t) => {
  mock.timers.enable({ apis: ['Date'], now: Number(T0) })
  t.after(() => mock.timers.reset())
  const messages = records(20, ['orders'], 3).map((m, i) => ({ ...m, timestamp: i % 2 ? undefined : m.timestamp }))
  assertSameBytes(messages, {})
  const sent = copy(messages)
  encodeProduceRequest(-1, 1000, sent)
  assert.ok(
    sent.every((m) => typeof m.timestamp === 'bigint'),
    'a retry sends the same times',
  )
})

test('a request without acknowledgement expects no response', () => {
  assert.equal(encodeProduceRequest(0, 1000, records(3, ['orders'], 1)).context.noResponse, true)
  assert.equal(encodeProduceRequest(-1, 1000, records(3, ['orders'], 1)).context.noResponse, undefined)
})

test("only the flexible Produce versions get kafkit's encoder", () => {
  assert.equal(fastProduceApi(produceV3.api), undefined, "v3 keeps the wire client's")
  assert.equal(fastProduceApi({ key: 3, version: 11 }), undefined, 'not a Produce API')
  const api = fastProduceApi(produceV11.api)
  assert.ok(api, 'v11 is written by kafkit')
  assert.equal((api as unknown as { version: number }).version, 11)
})
