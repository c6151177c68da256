// The kafkit instance every scenario measures: createKafkit with the bench event and the shared
// producer settings, nothing read from files or the environment, logs off.
import { createKafkit, silentLogger } from 'kafkit'
import type { ProducerTransport } from '../../src/producer/transport.ts'
import { benchEvent } from './events.ts'
import { brokers } from './kafka.ts'
import { COMMON } from './settings.ts'

/** `transport` replaces the network (the micro-benchmarks' offline producers). */
export function benchKafkit(topic: string, partitions: number, transport?: () => ProducerTransport) {
  const event = benchEvent(topic, partitions)
  const kafkit = createKafkit({
    service: 'kafkit-bench',
    catalog: [event],
    client: { brokers: transport ? ['nowhere:9092'] : brokers() },
    logger: silentLogger(),
    producer: {
      compression: COMMON.compression,
      linger: COMMON.lingerMs,
      batchSizeBytes: COMMON.batchBytes,
      ...(transport && { transport }),
    },
  })
  return { kafkit, event }
}

/** Resolves when `count()` reaches `target`, checking every few ms (handlers count, this waits). */
export function reached(count: () => number, target: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const until = Date.now() + timeoutMs
    const timer = setInterval(() => {
      if (count() >= target) {
        clearInterval(timer)
        resolve()
      } else if (Date.now() > until) {
        clearInterval(timer)
        reject(new Error(`only ${count()} of ${target} records within ${timeoutMs} ms`))
      }
    }, 5)
  })
}
