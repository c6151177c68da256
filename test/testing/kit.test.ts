// The user kit: publish, wait until handled, assert what was published, read the DLQ, call one
// handler directly. Everything here runs on the in-memory Kafka with a virtual clock.
import assert from 'node:assert/strict'
import { AssertionError } from 'node:assert'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { createTestKafkit } from '../../src/testing/index.ts'

const orders = defineTopic({ name: 'kit.orders', key: 'order_id', partitions: 3 })
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
  schema: z.object({ order_id: z.string(), total: z.number() }),
})

test('publish, wait until handled, expect what the handler published', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted] })
  const consumer = kit.consumer().on(OrderPlaced, async (event, ctx) => {
    await ctx.publish(OrderAccepted, { order_id: event.payload.order_id, total: event.payload.total })
  })
  await consumer.start()
  const placed = await kit.publish(OrderPlaced, { order_id: 'o-1', total: 12 })
  const handled = await kit.waitForHandled(OrderPlaced, { order_id: 'o-1' })
  assert.equal(handled.payload.total, 12)
  const accepted = kit.expectPublished(OrderAccepted, { order_id: 'o-1' })
  assert.equal(accepted.event.causation_id, placed.eventId)
  assert.equal(accepted.key, 'o-1')
  kit.expectNotPublished(OrderAccepted, { order_id: 'o-2' })
  await kit.close()
})

test('expectPublished fails with an AssertionError that lists what was published', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted] })
  await kit.publish(OrderAccepted, { order_id: 'o-1', total: 1 })
  assert.throws(
    () => kit.expectPublished(OrderAccepted, { order_id: 'o-9' }),
    (error: unknown) =>
      error instanceof AssertionError &&
      /no order.accepted matching \{"order_id":"o-9"\}/.test(error.message) &&
      error.message.includes('"order_id":"o-1"'),
  )
  await kit.close()
})

test('waitForHandled fails at its deadline, naming what was handled instead', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted] })
  const consumer = kit.consumer().on(OrderPlaced, () => undefined)
  await consumer.start()
  await kit.publish(OrderPlaced, { order_id: 'o-1', total: 1 })
  await assert.rejects(kit.waitForHandled(OrderPlaced, { order_id: 'o-2' }, { timeout: 200 }), (error: unknown) => {
    assert.ok(error instanceof AssertionError)
    assert.match(error.message, /waited 200 ms: no handler finished a order.placed matching \{"order_id":"o-2"\}/)
    assert.match(error.message, /handled: order.placed/)
    return true
  })
  await kit.close()
})

test('retries, a retry tier of an hour and the DLQ run in virtual time', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted] })
  const attempts: number[] = []
  const consumer = kit.consumer({ retryTopics: ['1h'], retry: { maxAttempts: 2 } }).on(OrderPlaced, (_e, ctx) => {
    attempts.push(ctx.attempt)
    throw new Error('payment service down')
  })
  await consumer.start()
  const start = kit.clock.now()
  const placed = await kit.publish(OrderPlaced, { order_id: 'o-1', total: 5 })
  await kit.waitFor(() => kit.deadLetters(OrderPlaced).length === 1)
  assert.deepEqual(attempts, [1, 2, 3])
  assert.ok(kit.clock.now() - start >= 3_600_000, 'an hour passed on the virtual clock')
  const [dead] = kit.deadLetters(OrderPlaced)
  assert.equal(dead!.record.event_id, placed.eventId)
  assert.equal(dead!.record.error_message, 'payment service down')
  assert.equal(dead!.record.attempt_count, 3)
  assert.equal(dead!.original.key?.toString(), 'o-1')
  await kit.close()
})

test('handlerContext: one handler called directly, its publishes land on the broker with the correlation id', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted] })
  const { event, ctx } = kit.handlerContext(OrderPlaced, { order_id: 'o-7', total: 3 }, { correlationId: 'req-1' })
  assert.equal(event.type, 'order.placed')
  assert.equal(ctx.attempt, 1)
  assert.equal(ctx.topic, orders.name)
  await ctx.publish(OrderAccepted, { order_id: event.payload.order_id, total: event.payload.total })
  const accepted = kit.expectPublished(OrderAccepted, { order_id: 'o-7' })
  assert.equal(accepted.event.correlation_id, 'req-1')
  assert.equal(accepted.event.causation_id, event.id)
  assert.throws(() => kit.handlerContext(OrderPlaced, { order_id: 'o-8' } as never), /invalid order.placed payload/)
  await kit.close()
})

test('several services share one broker: a flow across them', async () => {
  const first = createTestKafkit({ catalog: [OrderPlaced], service: 'orders' })
  const second = createTestKafkit({ catalog: [OrderPlaced, OrderAccepted], service: 'billing', broker: first.broker })
  const consumer = second.consumer().on(OrderPlaced, async (event, ctx) => {
    await ctx.publish(OrderAccepted, event.payload)
  })
  await consumer.start()
  await first.publish(OrderPlaced, { order_id: 'o-1', total: 9 })
  await second.waitForHandled(OrderPlaced, { order_id: 'o-1' })
  const accepted = second.expectPublished(OrderAccepted, { order_id: 'o-1', total: 9 })
  assert.equal(accepted.event.source, 'billing')
  await second.close()
  await first.close()
})

test('waitFor does not move virtual time on while the work of a timer is finishing', async () => {
  // close() past a handler that ignores its signal: the drain ends at 6 s, and close() returns
  // within shutdownTimeout (8 s). Its last steps take turns of the event loop; a wait that fired the
  // next timer (the handler's 30-s timeout) meanwhile would see close() return at 30 s.
  const kit = createTestKafkit({ catalog: [OrderPlaced] })
  let started = false
  const consumer = kit.consumer({ shutdownTimeout: '8s' }).on(OrderPlaced, () => {
    started = true
    return new Promise<void>(() => undefined)
  })
  await consumer.start()
  await kit.publish(OrderPlaced, { order_id: 'o-deaf', total: 1 })
  await kit.waitFor(() => started)
  const closing = kit.clock.now()
  let closedAt: number | undefined
  const closed = consumer.close().then(() => (closedAt = kit.clock.now()))
  await kit.waitFor(() => closedAt !== undefined)
  await closed
  assert.ok(closedAt! - closing <= 8_000, `close() returned ${closedAt! - closing} ms after it was called`)
  await kit.close()
})
