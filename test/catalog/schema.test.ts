// Payload validation through Standard Schema: sync (zod) and async validators, and issue paths.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { z } from 'zod'
import { defineEvent, defineTopic, payloadFor, validateSchema } from '../../src/catalog/index.ts'
import { createEnvelope } from '../../src/envelope/index.ts'
import { PayloadError } from '../../src/errors.ts'

/**
 * A hand-written async Standard Schema: an order whose id must be "known" (an async lookup, as a
 * validator calling a registry would do), with issues at nested paths given both ways the spec allows.
 */
const knownOrders = new Set(['o-1'])
const AsyncOrder: StandardSchemaV1<unknown, { order_id: string }> = {
  '~standard': {
    version: 1,
    vendor: 'kafkit-test',
    validate: async (value) => {
      await Promise.resolve()
      const v = value as { order_id?: unknown; items?: { price?: unknown }[] }
      const issues: StandardSchemaV1.Issue[] = []
      if (typeof v.order_id !== 'string' || !knownOrders.has(v.order_id)) {
        issues.push({ message: 'unknown order', path: [{ key: 'order_id' }] })
      }
      v.items?.forEach((item, i) => {
        if (typeof item.price !== 'number')
          issues.push({ message: 'must be a number', path: ['items', { key: i }, 'price'] })
      })
      return issues.length > 0 ? { issues } : { value: { order_id: v.order_id as string } }
    },
  },
}

test('a sync schema validates synchronously', () => {
  const result = validateSchema(z.object({ a: z.number() }), { a: 1, extra: true })
  assert.equal(result instanceof Promise, false)
  assert.deepEqual(result, { ok: true, value: { a: 1 } })
})

test('an async schema validates through a promise', async () => {
  const pending = validateSchema(AsyncOrder, { order_id: 'o-1' })
  assert.ok(pending instanceof Promise)
  assert.deepEqual(await pending, { ok: true, value: { order_id: 'o-1' } })
  assert.deepEqual(await validateSchema(AsyncOrder, { order_id: 'o-2' }), {
    ok: false,
    issues: [{ path: 'order_id', message: 'unknown order' }],
  })
})

test('issue paths read like the payload: items[0].price', async () => {
  const Order = z.object({
    order_id: z.string(),
    items: z.array(z.object({ product_id: z.string(), price: z.number() })),
    grid: z.array(z.array(z.number())),
  })
  const result = validateSchema(Order, {
    items: [{ product_id: 'p', price: 'free' }],
    grid: [[1, 'x']],
  })
  assert.ok(!(result instanceof Promise) && !result.ok)
  assert.deepEqual(result.issues.map((i) => i.path).sort(), ['grid[0][1]', 'items[0].price', 'order_id'])

  const asyncResult = await validateSchema(AsyncOrder, { order_id: 'o-1', items: [{ price: 1 }, { price: '2' }] })
  assert.deepEqual(asyncResult, { ok: false, issues: [{ path: 'items[1].price', message: 'must be a number' }] })

  const root = validateSchema(z.string(), 42)
  assert.ok(!(root instanceof Promise) && !root.ok)
  assert.equal(root.issues[0]!.path, '')
})

test('events with an async schema are decoded through a promise, and fail as PayloadError', async () => {
  const orders = defineTopic({ name: 'shop.orders.v1', key: 'order_id' })
  const OrderPaid = defineEvent({ type: 'order.paid', version: '1.0', topic: orders, schema: AsyncOrder })
  const envelope = (payload: object) => createEnvelope({ type: 'order.paid', version: '1.0', source: 's', payload })

  const ok = payloadFor(envelope({ order_id: 'o-1' }), OrderPaid)
  assert.ok(ok instanceof Promise)
  assert.deepEqual(await ok, { payload: { order_id: 'o-1' }, upcastedFrom: [] })

  await assert.rejects(
    async () => payloadFor(envelope({ order_id: 'o-9', items: [{ price: null }] }), OrderPaid),
    (err: unknown) =>
      err instanceof PayloadError &&
      err.message === 'invalid payload for order.paid v1.0: order_id: unknown order; items[0].price: must be a number',
  )
})
