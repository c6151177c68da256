// The kafkit instance every scenario measures: createKafkit with the bench event and the shared
// producer settings, nothing read from files or the environment, logs off.
import { createKafkit, silentLogger } from 'kafkit'
import { benchEvent } from './events.ts'
import { brokers } from './kafka.ts'
import { COMMON } from './settings.ts'

export function benchKafkit(topic: string, partitions: number) {
  const event = benchEvent(topic, partitions)
  const kafkit = createKafkit({
    service: 'kafkit-bench',
    catalog: [event],
    client: { brokers: brokers() },
    logger: silentLogger(),
    producer: { compression: COMMON.compression, linger: COMMON.lingerMs, batchSizeBytes: COMMON.batchBytes },
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
