// The real time kafkit/testing takes to skip an hour of virtual time (docs/testing.md, "Time"): a
// record that fails into a one-hour retry topic and from there into the DLQ, the consumer at its
// defaults (one-second commit interval), on the kit's VirtualClock. Prints the timers set and the
// real time of each round.
//   node --conditions=kafkit-source bench/micro/kit-hour.ts [--rounds=5]
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { createTestKafkit, VirtualClock } from '../../src/testing/index.ts'
import type { Timer, TimerOptions } from '../../src/util/clock.ts'
import { arg } from './common.ts'

class CountingClock extends VirtualClock {
  timers = 0
  override setTimeout(callback: () => void, ms: number, options?: TimerOptions): Timer {
    this.timers++
    return super.setTimeout(callback, ms, options)
  }
}

const orders = defineTopic({ name: 'kit.orders', key: 'order_id', partitions: 3 })
const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string() }),
})

for (let round = 0; round < arg('rounds', 5); round++) {
  const clock = new CountingClock()
  const kit = createTestKafkit({ catalog: [OrderPlaced], clock })
  const consumer = kit.consumer({ retryTopics: ['1h'], retry: { maxAttempts: 1 } }).on(OrderPlaced, () => {
    throw new Error('down')
  })
  await consumer.start()
  const virtual = clock.now()
  const started = performance.now()
  await kit.publish(OrderPlaced, { order_id: 'o-1' })
  await kit.waitFor(() => kit.deadLetters(OrderPlaced).length === 1, { timeout: '60s' })
  const took = performance.now() - started
  console.log(
    `round ${round + 1}: ${((clock.now() - virtual) / 60_000).toFixed(1)} virtual min, ${clock.timers} timers, ${took.toFixed(0)} ms`,
  )
  await kit.close()
}
