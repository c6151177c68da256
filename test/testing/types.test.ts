// Compile-time guarantees of the test kit: `npm test` type-checks this file, so each marked mistake
// below (ts-expect-error) fails the run if it ever compiles.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import type { HandlerContext } from '../../src/consumer/types.ts'
import type { PublishResult } from '../../src/producer/types.ts'
import { createTestKafkit, type PublishedEvent } from '../../src/testing/index.ts'

const orders = defineTopic({ name: 'types.orders', key: 'order_id' })
const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string(), total: z.number(), lines: z.array(z.string()).default([]) }),
})
const OrderShipped = defineEvent({
  type: 'order.shipped',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string(), carrier: z.object({ name: z.string(), code: z.number() }) }),
})
const NotInCatalog = defineEvent({
  type: 'order.lost',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string() }),
})

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(): T => true as T

test('expectPublished takes a partial payload of the event, typed by the catalog', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderShipped] })
  await kit.publish(OrderShipped, { order_id: 'o1', carrier: { name: 'dhl', code: 7 } })
  // Nested fields may be given in part.
  const shipped = kit.expectPublished(OrderShipped, { carrier: { code: 7 } })
  assertType<
    Equal<
      typeof shipped,
      PublishedEvent<{ order_id: string; carrier: { name: string; code: number } }, 'order.shipped'>
    >
  >()
  assert.equal(shipped.event.payload.carrier.name, 'dhl')
  const mistakes = () => {
    // @ts-expect-error order_id is a string
    kit.expectPublished(OrderPlaced, { order_id: 1 })
    // @ts-expect-error no such field
    kit.expectPublished(OrderPlaced, { orderId: 'o1' })
    // @ts-expect-error the event is not in this kit's catalog
    kit.expectPublished(NotInCatalog, { order_id: 'o1' })
    // @ts-expect-error a nested field keeps its type
    kit.expectPublished(OrderShipped, { carrier: { code: '7' } })
  }
  assert.equal(typeof mistakes, 'function')
  await kit.close()
})

test('handlerContext takes the event’s input and gives the event as a handler of it receives it', async () => {
  const kit = createTestKafkit({ catalog: [OrderPlaced, OrderShipped] })
  // `lines` has a default: the input may leave it out, the handler sees it.
  const { event, ctx } = kit.handlerContext(OrderPlaced, { order_id: 'o1', total: 3 })
  assertType<Equal<typeof event.payload, { order_id: string; total: number; lines: string[] }>>()
  assertType<Equal<typeof event.type, 'order.placed'>>()
  assertType<Equal<typeof ctx, HandlerContext<PublishResult>>>()
  assert.deepEqual(event.payload.lines, [])
  assert.equal(ctx.attempt, 1)
  const mistakes = () => {
    // @ts-expect-error total is required
    kit.handlerContext(OrderPlaced, { order_id: 'o1' })
    // @ts-expect-error the event is not in this kit's catalog
    kit.handlerContext(NotInCatalog, { order_id: 'o1' })
  }
  assert.equal(typeof mistakes, 'function')
  const handled = async () => {
    const found = await kit.waitForHandled(OrderShipped, { carrier: { name: 'dhl' } })
    assertType<Equal<typeof found.payload.carrier.code, number>>()
    return found.payload.carrier.code
  }
  assert.equal(typeof handled, 'function')
  await kit.close()
})
