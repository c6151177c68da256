// The facade end to end: provision, publish, consume, publish from a handler, close.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, runWithContext, silentLogger, type ConsumedEvent } from 'kafkit'
import { brokers, deleteAfter, uniqueName, waitFor, defer } from '../support/kafka.ts'

test('publish, consume and publish from a handler: correlation and causation ids carry through', async (t) => {
  const orders = defineTopic({ name: uniqueName('kafkit-orders'), key: 'order_id', partitions: 3 })
  const OrderPlaced = defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic: orders,
    schema: z.object({ order_id: z.string(), total: z.number() }),
  })
  const OrderPaid = defineEvent({
    type: 'order.paid',
    version: '1.0',
    topic: orders,
    schema: z.object({ order_id: z.string() }),
  })
  deleteAfter(t, () => [orders.name, `${orders.name}.dlq`])

  const kafkit = createKafkit({
    service: 'shop',
    catalog: [OrderPlaced, OrderPaid],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  const report = await kafkit.provision()
  assert.deepEqual(report.created.sort(), [orders.name, `${orders.name}.dlq`].sort())

  const paid: ConsumedEvent<{ order_id: string }>[] = []
  const all: string[] = []
  const consumer = kafkit.consumer({ group: uniqueName('shop-group') })
  consumer.on(OrderPlaced, async (event, ctx) => {
    await ctx.publish(OrderPaid, { order_id: event.payload.order_id })
  })
  consumer.on(OrderPaid, (event) => void paid.push(event))
  consumer.on('order.*', (event) => void all.push(event.type))
  await consumer.start()

  const placed = await runWithContext({ correlationId: 'req-42' }, () =>
    kafkit.publish(OrderPlaced, { order_id: 'o-1', total: 10 }),
  )
  await waitFor(
    () => paid.length === 1 && all.length === 2,
    'the order paid and both events seen by the wildcard handler',
  )
  assert.equal(paid[0]!.correlation_id, 'req-42', 'the correlation id of the request carries to the next hop')
  assert.equal(paid[0]!.causation_id, placed.eventId, 'the causation id is the handled event')
  assert.equal(paid[0]!.source, 'shop')
  assert.deepEqual(all.sort(), ['order.paid', 'order.placed'])
})
