// The wait kafkit's sender adds to publish→ack, without a broker: publish() at a fixed rate (open
// loop, keys over three partitions) to a transport that answers each request after --rtt ms (a
// broker's round trip, held constant), one request at a time. Reports how long records waited
// between publish() and going out (behind the request in flight), and publish→ack, as percentiles.
// Timer lag of a loaded machine adds to both alike; the queueing is kafkit's.
// node --conditions=kafkit-source bench/micro/producer-latency.ts [--rate=1000] [--seconds=5] [--rtt=1]
import { randomUUID } from 'node:crypto'
import type { ProduceResult } from '@platformatic/kafka'
import type { TransportWire } from '../../src/producer/transport.ts'
import { padding, payload } from '../lib/events.ts'
import { benchKafkit } from '../lib/kafkit.ts'
import { COMMON } from '../lib/settings.ts'
import { latencyHistogram, summarize } from '../lib/stats.ts'
import { arg, offlineView } from './common.ts'

const RATE = arg('rate', 1000)
const SECONDS = arg('seconds', 5)
const RTT_MS = arg('rtt', 1)
const TOPIC = 'overhead.v1'
const note = padding(COMMON.recordBytes)

const view = offlineView(TOPIC, COMMON.partitions)

/**
 * One request at a time, as the wire client's connection with idempotence (maxInflights = 1): a
 * request starts when the one before it is answered, notes when each of its records went out, and
 * is answered RTT_MS later.
 */
function delayedWire(handed: (id: string) => void): TransportWire & { requests: number } {
  const next = new Map<number, bigint>()
  let previous: Promise<unknown> = Promise.resolve()
  const wire = {
    requests: 0,
    producerId: 1n,
    withDeadline: <T>(_deadline: number, call: () => T) => call(),
    initIdempotentProducer: () => Promise.resolve({}),
    send(options: { messages: never[] }): Promise<ProduceResult> {
      wire.requests++
      const messages = options.messages as { partition: number; eventId: string }[]
      const answered = previous.then(() => {
        const counts = new Map<number, number>()
        for (const m of messages) {
          handed(m.eventId)
          counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1)
        }
        const offsets = [...counts].map(([partition, count]) => {
          const offset = next.get(partition) ?? 0n
          next.set(partition, offset + BigInt(count))
          return { topic: TOPIC, partition, offset }
        })
        return new Promise<ProduceResult>((resolve) => setTimeout(() => resolve({ offsets }), RTT_MS))
      })
      previous = answered
      return answered
    },
    dropConnection: () => false,
    close: () => Promise.resolve(),
  }
  return wire
}

const micros = (ms: number) => Math.max(1, Math.round(ms * 1000))
const due = new Map<string, number>()
const waits = latencyHistogram()
const acks = latencyHistogram()
const wire = delayedWire((id) => {
  const at = due.get(id)
  if (at !== undefined) waits.recordValue(micros(performance.now() - at))
})
const { kafkit, event } = benchKafkit(TOPIC, COMMON.partitions, () => ({ view, wire, destroy: () => undefined }))
const total = RATE * SECONDS
const interval = 1000 / RATE
let sent = 0
let settled = 0
const start = performance.now() + 20
const cpu = process.cpuUsage()
await new Promise<void>((done) => {
  const send = (seq: number, at: number) => {
    const id = randomUUID()
    due.set(id, performance.now())
    kafkit.publish(event, payload(seq, COMMON.keys, note), { id }).then(
      (result) => {
        due.delete(id)
        void result
        acks.recordValue(micros(performance.now() - at))
        if (++settled === total) done()
      },
      () => {
        if (++settled === total) done()
      },
    )
  }
  const tick = () => {
    const now = performance.now()
    while (sent < total && start + sent * interval <= now) send(sent, start + sent++ * interval)
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()))
  }
  tick()
})
const used = process.cpuUsage(cpu)
await kafkit.close()
const w = summarize(waits)
const a = summarize(acks)
const f = (s: typeof w) =>
  `p50 ${s.p50.toFixed(2)} p90 ${s.p90.toFixed(2)} p99 ${s.p99.toFixed(2)} max ${s.max.toFixed(2)} ms`
console.log(
  `rate ${RATE}/s, rtt ${RTT_MS} ms, ${total} records, ${wire.requests} requests, ${((used.user + used.system) / total).toFixed(2)} µs cpu/record`,
)
console.log(`publish → wire   ${f(w)}`)
console.log(`publish → ack    ${f(a)}`)
