import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { createTestKafkit } from '../../src/testing/index.ts'

const orders = defineTopic({ name: 'orders.v1', key: 'order_id', partitions: 3 })
const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string(), total: z.number() }),
})
const OrderAccepted = defineEvent({
  type: 'order.accepted',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string() }),
})

test('smoke', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted] })
  let fails = 0
  const consumer = kit.consumer({ retryTopics: ['5m'] }).on(OrderPlaced, async (event, ctx) => {
    if (event.payload.order_id === 'bad') throw new Error('boom')
    if (event.payload.order_id === 'flaky' && fails++ < 3) throw new Error('flaky')
    await ctx.publish(OrderAccepted, { order_id: event.payload.order_id })
  })
  await consumer.start()
  const t0 = performance.now()
  await kit.publish(OrderPlaced, { order_id: 'o1', total: 3 })
  await kit.publish(OrderPlaced, { order_id: 'bad', total: 3 })
  await kit.publish(OrderPlaced, { order_id: 'flaky', total: 3 })
  await kit.waitForHandled(OrderPlaced, { order_id: 'o1' })
  kit.expectPublished(OrderAccepted, { order_id: 'o1' })
  await kit.waitForHandled(OrderPlaced, { order_id: 'flaky' })
  await kit.waitFor(() => kit.deadLetters(orders.name).length === 1)
  console.log(performance.now() - t0, kit.clock.now() - Date.UTC(2026, 0, 1), kit.deadLetters(orders.name)[0]!.record)
  assert.equal(kit.deadLetters(orders.name)[0]!.record.attempt_count, 4)
  await kit.close()
})
