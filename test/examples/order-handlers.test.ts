// Unit tests of the example order system's handlers on kafkit/testing: each service's handlers on
// its real consumer, an in-memory Kafka and the service's embedded database (PGlite). No broker.
// The end-to-end test on the real broker is order-system.test.ts.
import assert from 'node:assert/strict'
import { after, test, type TestContext } from 'node:test'
import { createInbox, openDatabase, type OpenedDatabase } from 'kafkit/outbox'
import { createTestKafkit } from 'kafkit/testing'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { inventoryHandlers } from '../../examples/order-system/inventory-service/handlers.ts'
import { INVENTORY_SERVICE } from '../../examples/order-system/inventory-service/service.ts'
import { Stock } from '../../examples/order-system/inventory-service/stock.ts'
import { notificationHandlers } from '../../examples/order-system/notification-service/handlers.ts'
import { orderHandlers } from '../../examples/order-system/order-service/handlers.ts'
import { ORDER_SERVICE } from '../../examples/order-system/order-service/service.ts'
import { OrderStore } from '../../examples/order-system/order-service/store.ts'

const flow = orderFlow('unit')
const customer = { actor: { id: 'customer-1', type: 'user' as const } }

function kitOf(t: TestContext, service: string) {
  const kit = createTestKafkit({ catalog: flow.catalog, service })
  t.after(() => kit.close())
  return kit
}

// One embedded database for the file (starting PGlite is the slow part), a schema per test.
let shared: Promise<OpenedDatabase> | undefined
after(async () => (await shared)?.close())
let schemas = 0

async function database(_t: TestContext, service: string) {
  const db = await (shared ??= openDatabase({}))
  const schema = `unit_${service.replace(/-/g, '_')}_${++schemas}`
  await db.query(`CREATE SCHEMA "${schema}"`)
  return { db, schema }
}

async function inventory(t: TestContext) {
  const kit = kitOf(t, INVENTORY_SERVICE)
  const { db, schema } = await database(t, INVENTORY_SERVICE)
  const stock = new Stock(db, schema)
  const inbox = createInbox({ database: db, schema })
  await stock.migrate()
  await inbox.migrate()
  const consumer = kit.consumer({ group: flow.groups.inventory })
  inventoryHandlers(consumer, { flow, stock, inbox })
  await consumer.start()
  return { kit, stock }
}

test('inventory: an order in stock is reserved, the stock taken once even when the event comes twice', async (t) => {
  const { kit, stock } = await inventory(t)
  const items = [{ product_id: 'product-001', quantity: 2, price: 10 }]
  const created = await kit.publish(flow.OrderCreated, { order_id: 'o-1', customer_id: 'c', items, total: 20 })
  await kit.waitForHandled(flow.OrderCreated, { order_id: 'o-1' })
  const reserved = kit.expectPublished(flow.InventoryReserved, {
    order_id: 'o-1',
    items: [{ product_id: 'product-001', quantity: 2 }],
  })
  assert.equal(reserved.event.causation_id, created.eventId)
  assert.equal(await stock.available('product-001'), 998)

  // The same record delivered again (as after a crash before the commit): the inbox acknowledges it.
  const record = kit.broker.records(flow.OrderCreated.topic.name, created.partition)[Number(created.offset)]!
  kit.broker.append(record.topic, record.partition, [
    { key: record.key, value: record.value, headers: record.headerEntries, timestamp: record.timestamp },
  ])
  await kit.waitFor(
    () => kit.broker.committed(flow.groups.inventory, record.topic, record.partition) === created.offset + 2n,
  )
  assert.equal(kit.published(flow.InventoryReserved).length, 1)
  assert.equal(await stock.available('product-001'), 998)
})

test('inventory: an order short of stock is refused with what is missing', async (t) => {
  const { kit, stock } = await inventory(t)
  const items = [{ product_id: 'product-004', quantity: 5, price: 1 }]
  await kit.publish(flow.OrderCreated, { order_id: 'o-2', customer_id: 'c', items, total: 5 })
  await kit.waitForHandled(flow.OrderCreated, { order_id: 'o-2' })
  kit.expectPublished(flow.InventoryReservationFailed, {
    order_id: 'o-2',
    reason: 'insufficient_stock',
    missing_items: [{ product_id: 'product-004', requested: 5, available: 3 }],
  })
  kit.expectNotPublished(flow.InventoryReserved, { order_id: 'o-2' })
  assert.equal(await stock.available('product-004'), 3)
})

test('notification: the customer (the actor) is told once per outcome; an event without an actor goes to the DLQ', async (t) => {
  const kit = kitOf(t, 'notification-service')
  const consumer = kit.consumer({ group: flow.groups.notification })
  notificationHandlers(consumer, flow)
  await consumer.start()
  const reserved = {
    order_id: 'o-3',
    reservation_id: 'r',
    items: [{ product_id: 'p', quantity: 1 }],
    expires_at: new Date().toISOString(),
  }
  await kit.publish(flow.InventoryReserved, reserved, customer)
  await kit.publish(flow.InventoryReserved, reserved, customer)
  await kit.publish(flow.InventoryReservationFailed, {
    order_id: 'o-4',
    reason: 'unknown_product',
    missing_items: [{ product_id: 'x', requested: 1, available: 0 }],
  })
  await kit.waitFor(() => kit.deadLetters(flow.InventoryReservationFailed).length === 1)
  await kit.waitFor(() => kit.published(flow.NotificationSent).length === 2)
  const sent = kit.published(flow.NotificationSent)
  assert.deepEqual(
    sent.map((s) => [s.event.payload.customer_id, s.event.payload.template]),
    [
      ['customer-1', 'order_confirmed'],
      ['customer-1', 'order_confirmed'],
    ],
  )
  assert.equal(sent[0]!.event.payload.notification_id, sent[1]!.event.payload.notification_id, 'the same notification')
  const [failure] = kit.deadLetters(flow.InventoryReservationFailed)
  assert.equal(failure!.record.error_code, 'KAFKIT_NON_RETRYABLE')
  assert.equal(failure!.record.attempt_count, 1)
})

test('order: the status follows the flow (reserved, then notified), and events of unknown orders are skipped', async (t) => {
  const kit = kitOf(t, ORDER_SERVICE)
  const { db, schema } = await database(t, ORDER_SERVICE)
  const store = new OrderStore(db, schema)
  await store.migrate()
  await db.transaction((tx) =>
    store.add(tx, {
      order_id: 'o-5',
      customer_id: 'c',
      items: [{ product_id: 'product-001', quantity: 1, price: 3 }],
      total: 3,
      correlation_id: 'c-5',
    }),
  )
  const consumer = kit.consumer({ group: flow.groups.order })
  orderHandlers(consumer, { flow, store, logger: kit.kafkit.logger })
  await consumer.start()
  const reserved = {
    reservation_id: 'r',
    items: [{ product_id: 'product-001', quantity: 1 }],
    expires_at: new Date().toISOString(),
  }
  await kit.publish(flow.InventoryReserved, { order_id: 'o-5', ...reserved })
  await kit.publish(flow.InventoryReserved, { order_id: 'o-unknown', ...reserved })
  await kit.publish(flow.NotificationSent, {
    notification_id: 'n',
    order_id: 'o-5',
    customer_id: 'c',
    channel: 'email',
    template: 'order_confirmed',
  })
  await kit.waitForHandled(flow.NotificationSent, { order_id: 'o-5' })
  await kit.waitForHandled(flow.InventoryReserved, { order_id: 'o-unknown' })
  const order = await store.get('o-5')
  assert.equal(order?.status, 'notified')
  assert.equal(order?.customer_notified, true)
  assert.deepEqual(
    order?.history.map((h) => h.status),
    ['reserved', 'notified'],
  )
  assert.equal(await store.get('o-unknown'), undefined)
})
