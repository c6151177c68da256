// The Produce request's encoding alone, no network: the wire client's encoder (createRequest of
// Produce v11) against kafkit's (src/producer/encode.ts), CPU time per 1 KiB record with kafkit's
// six headers, for requests of 64 records (a publishBatch call) and of 1,000 (publishAsync under
// load), each including the copy into one request buffer that the connection makes. Interleaved.
// node --conditions=kafkit-source bench/micro/producer-encode.ts [--rounds=5] [--records=100000]
import { NumericMap, produceV11 } from '@platformatic/kafka'
import { encodeProduceRequest, type WireMessage } from '../../src/producer/encode.ts'
import { median } from '../lib/stats.ts'
import { arg } from './common.ts'

const ROUNDS = arg('rounds', 5)
const RECORDS = arg('records', 100_000)
const HEADERS = ['event-id', 'event-type', 'event-version', 'event-source', 'content-type', 'correlation-id']

function messages(count: number): WireMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 'encode.v1',
    partition: i % 3,
    key: Buffer.from(`k${i % 1000}`),
    value: Buffer.alloc(1024, 'v'),
    headers: new Map(HEADERS.map((name) => [Buffer.from(name), Buffer.from('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')])),
    timestamp: BigInt(Date.now()),
  }))
}

type Encode = (acks: number, timeout: number, messages: WireMessage[], options: object) => { buffer: Buffer }
const encoders: Record<string, Encode> = {
  wire: (acks, timeout, m, options) => produceV11.createRequest(acks, timeout, m as never, options),
  kafkit: encodeProduceRequest,
}

function cpuPerRecord(encode: Encode, perRequest: number): number {
  const sets = Array.from({ length: 8 }, () => messages(perRequest))
  const options = { compression: 'none', producerId: 5n, producerEpoch: 0, sequences: new NumericMap() }
  const requests = Math.max(1, Math.round(RECORDS / perRequest))
  for (let i = 0; i < 20; i++) void encode(-1, 30_000, sets[i % 8]!, options).buffer
  const cpu = process.cpuUsage()
  for (let i = 0; i < requests; i++) void encode(-1, 30_000, sets[i % 8]!, options).buffer
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / (requests * perRequest)
}

const results = new Map<string, number[]>()
for (let round = 0; round < ROUNDS; round++) {
  for (const perRequest of [64, 1000]) {
    for (const [name, encode] of Object.entries(encoders)) {
      const key = `${name} ${perRequest}`
      results.set(key, [...(results.get(key) ?? []), cpuPerRecord(encode, perRequest)])
    }
  }
}
for (const [key, values] of results) {
  const f = (v: number) => v.toFixed(2)
  console.log(
    `${key.padEnd(12)} ${f(median(values))} µs cpu/record [${f(Math.min(...values))}–${f(Math.max(...values))}]`,
  )
}
