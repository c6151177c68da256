// kafkit's own per-record cost on the publish path, without the network: prepare (validate, envelope,
// encode, headers), the sender (batching, partitioning, settling) and the publish promises, over a
// transport that acknowledges every request at once. The baseline is what a user of the raw client
// builds per record (handMadeRecord). Both sides leave out the wire client's encoding and I/O, which
// they share; the difference is what kafkit adds.
// node --conditions=kafkit-source bench/micro/producer-overhead.ts [--records=100000] [--rounds=5]
import type { ProduceResult } from '@platformatic/kafka'
import type { ProducerTransport, TransportWire } from '../../src/producer/transport.ts'
import { handMadeRecord, padding, payload } from '../lib/events.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { median } from '../lib/stats.ts'
import { arg, offlineView } from './common.ts'

const RECORDS = arg('records', 100_000)
const ROUNDS = arg('rounds', 5)
const TOPIC = 'overhead.v1'
const note = padding(COMMON.recordBytes)

const view = offlineView(TOPIC, COMMON.partitions)

/** Acknowledges a request a turn later, each partition's batch at the next offset. */
function acknowledgingWire(): TransportWire {
  const next = new Map<number, bigint>()
  return {
    producerId: 1n,
    withDeadline: (_deadline, call) => call(),
    initIdempotentProducer: () => Promise.resolve({}),
    send(options: { messages: never[] }): Promise<ProduceResult> {
      const counts = new Map<number, number>()
      for (const m of options.messages as { partition: number }[])
        counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1)
      const offsets = [...counts].map(([partition, count]) => {
        const offset = next.get(partition) ?? 0n
        next.set(partition, offset + BigInt(count))
        return { topic: TOPIC, partition, offset }
      })
      return Promise.resolve({ offsets })
    },
    dropConnection: () => false,
    close: () => Promise.resolve(),
  }
}

const transport = (): ProducerTransport => ({ view, wire: acknowledgingWire(), destroy: () => undefined })

function kafkitFor() {
  return benchKafkit(TOPIC, COMMON.partitions, transport)
}

type Run = (records: number) => Promise<void>

async function cpuPerRecord(run: Run): Promise<number> {
  await run(RECORDS / 5)
  const cpu = process.cpuUsage()
  await run(RECORDS)
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / RECORDS
}

const { kafkit, event } = kafkitFor()

const runs: Record<string, Run> = {
  async handMade(records) {
    for (let i = 0; i < records; i += COMMON.batchRecords) {
      const messages = []
      for (let j = i; j < Math.min(records, i + COMMON.batchRecords); j++)
        messages.push({ topic: TOPIC, ...handMadeRecord(payload(j, COMMON.keys, note)) })
      await Promise.resolve(messages)
    }
  },
  async publishBatch(records) {
    for (let i = 0; i < records; i += COMMON.batchRecords) {
      const items = []
      for (let j = i; j < Math.min(records, i + COMMON.batchRecords); j++)
        items.push({ event, payload: payload(j, COMMON.keys, note) })
      await kafkit.publishBatch(items)
    }
  },
  async publishAsync(records) {
    for (let i = 0; i < records; i++) {
      kafkit.publishAsync(event, payload(i, COMMON.keys, note))
      if (i % 1024 === 1023) await new Promise((resolve) => setImmediate(resolve))
    }
    await kafkit.producer.flush()
  },
  async publish(records) {
    for (let i = 0; i < records; i += COMMON.batchRecords) {
      const pending = []
      for (let j = i; j < Math.min(records, i + COMMON.batchRecords); j++)
        pending.push(kafkit.publish(event, payload(j, COMMON.keys, note)))
      await Promise.all(pending)
    }
  },
}

const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',')
const names = Object.keys(runs).filter((n) => !only || only.includes(n))
const results = new Map<string, number[]>()
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) results.set(name, [...(results.get(name) ?? []), await cpuPerRecord(runs[name]!)])
}
await kafkit.close()
for (const [name, values] of results) {
  const f = (v: number) => v.toFixed(2)
  console.log(
    `${name.padEnd(13)} ${f(median(values))} µs cpu/record [${f(Math.min(...values))}–${f(Math.max(...values))}]`,
  )
}
