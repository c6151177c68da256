// The example order system end to end through HTTP against the real broker: the three services
// in this process on free ports, on a private topic namespace (so parallel tests and a running
// demo never share topics or groups), watched by an independent consumer of every flow topic.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createKafkit, loadConfig, silentLogger, type ConsumedEvent } from 'kafkit'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { startInventoryService } from '../../examples/order-system/inventory-service/service.ts'
import { startNotificationService } from '../../examples/order-system/notification-service/service.ts'
import { startOrderService } from '../../examples/order-system/order-service/service.ts'
import pg from 'pg'
import { captureKafkitLogs } from '../logging/capture.ts'
import { DATABASE_URL } from '../outbox/support.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'

interface Reply {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init)
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  }
}

function post(base: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(`${base}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

const goodOrder = {
  customer_id: 'customer-123',
  items: [
    { product_id: 'product-001', quantity: 2, price: 99.99 },
    { product_id: 'product-002', quantity: 1, price: 149.99 },
  ],
}

async function startSystem(t: TestContext) {
  const namespace = uniqueName('shop-e2e')
  const flow = orderFlow(namespace)
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const config = loadConfig({ argv: [], cwd: '/', env: { KAFKA_BROKERS: brokers().join(','), APP_SERVER_PORT: '0' } })
  const logs = captureKafkitLogs({ level: 'info' })

  // An observer of everything the flow publishes, independent of the services.
  const seen: ConsumedEvent<{ order_id: string }>[] = []
  const observer = createKafkit({
    service: 'e2e-observer',
    catalog: flow.catalog,
    client: config.client,
    logger: silentLogger(),
  })
  defer(t, () => observer.close())
  await observer.provision()
  const watch = observer.consumer({ group: uniqueName('e2e-observer') })
  watch.on('*', (event) => void seen.push(event as ConsumedEvent<{ order_id: string }>))
  await watch.start()

  const options = { config, namespace, logger: logs.logger }
  const [orders, inventory, notifications] = await Promise.all([
    startOrderService(options),
    startInventoryService(options),
    startNotificationService(options),
  ])
  defer(t, () => Promise.all([orders.stop(), inventory.stop(), notifications.stop()]))
  const eventsOf = (orderId: string) => seen.filter((e) => e.payload.order_id === orderId)
  return { flow, observer, orders, inventory, notifications, logs, eventsOf }
}

test('the order system through HTTP', async (t) => {
  const system = await startSystem(t)
  const api = system.orders.url
  const statusOf = async (id: string) => (await call(`${api}/api/v1/orders/${id}`)).body

  await t.test('a good order ends notified; all its events share the request correlation id', async () => {
    const placed = await post(api, goodOrder, { 'x-correlation-id': 'e2e-corr-good' })
    assert.equal(placed.status, 201)
    assert.equal(placed.headers.get('x-correlation-id'), 'e2e-corr-good')
    const id = placed.body['order_id'] as string
    assert.equal(placed.headers.get('location'), `/api/v1/orders/${id}`)
    assert.deepEqual(placed.body, { order_id: id, status: 'pending', total: 349.97, correlation_id: 'e2e-corr-good' })

    await waitFor(async () => (await statusOf(id))['status'] === 'notified', 'the order to be notified')
    await waitFor(() => system.eventsOf(id).length === 3, 'three events of the order')
    const [created, reserved, sent] = ['order.created', 'inventory.reserved', 'notification.sent'].map((type) =>
      system.eventsOf(id).find((e) => e.type === type)!,
    )
    assert.ok(created && reserved && sent, 'one event of each type')
    for (const event of system.eventsOf(id)) {
      assert.equal(event.correlation_id, 'e2e-corr-good', `${event.type} correlation id`)
      assert.deepEqual(event.actor, { id: 'customer-123', type: 'user' }, `${event.type} actor`)
    }
    assert.deepEqual(
      [created.source, reserved.source, sent.source],
      ['order-service', 'inventory-service', 'notification-service'],
    )
    assert.equal(reserved.causation_id, created.id, 'the reservation was caused by the order')
    assert.equal(sent.causation_id, reserved.id, 'the notification was caused by the reservation')
    assert.equal((sent.payload as { template?: string }).template, 'order_confirmed')

    const order = await statusOf(id)
    assert.equal(order['customer_notified'], true)
    assert.deepEqual((order['history'] as { event_type: string }[]).map((h) => h.event_type).sort(), [
      'inventory.reserved',
      'notification.sent',
    ])
    const reservedLine = () => system.logs.lines().find((l) => l['msg'] === 'stock reserved' && l['orderId'] === id)
    await waitFor(() => reservedLine() !== undefined, 'the inventory service to log the reservation')
    const logged = reservedLine()!
    assert.equal(logged['eventId'], created.id)
    assert.equal(logged['eventType'], 'order.created')
    assert.equal(logged['topic'], system.flow.OrderCreated.topic.name)
    assert.equal(typeof logged['partition'], 'number')
    assert.match(String(logged['offset']), /^\d+$/)
    assert.equal(logged['correlationId'], 'e2e-corr-good')
  })

  await t.test('an out-of-stock order ends rejected and its customer is told; so does an unknown product', async () => {
    const outOfStock = await post(api, {
      customer_id: 'customer-9',
      items: [{ product_id: 'product-003', quantity: 1, price: 5 }],
    })
    const unknown = await post(api, {
      customer_id: 'customer-9',
      items: [{ product_id: 'product-999', quantity: 1, price: 5 }],
    })
    assert.equal(outOfStock.status, 201)
    const ids = [outOfStock.body['order_id'] as string, unknown.body['order_id'] as string]
    await waitFor(async () => {
      const orders = await Promise.all(ids.map(statusOf))
      return orders.every((o) => o['status'] === 'rejected' && o['customer_notified'] === true)
    }, 'both orders rejected and notified of it')
    assert.deepEqual(
      (await Promise.all(ids.map(statusOf))).map((o) => o['reason']),
      ['insufficient_stock', 'unknown_product'],
    )
    await waitFor(() => ids.every((id) => system.eventsOf(id).length === 3), 'three events of each order')
    for (const id of ids) {
      const types = system
        .eventsOf(id)
        .map((e) => e.type)
        .sort()
      assert.deepEqual(types, ['inventory.reservation_failed', 'notification.sent', 'order.created'])
      const correlation = (await statusOf(id))['correlation_id']
      assert.ok(
        system.eventsOf(id).every((e) => e.correlation_id === correlation),
        'a generated correlation id is shared too',
      )
    }
  })

  await t.test('bad requests get 400 naming the field; too large 413; unknown order 404', async () => {
    const fields = async (body: unknown) => {
      const reply = await post(api, body)
      assert.equal(reply.status, 400, JSON.stringify(reply.body))
      return (reply.body['issues'] as { field: string }[]).map((i) => i.field)
    }
    assert.deepEqual(await fields({ items: goodOrder.items }), ['customer_id'])
    assert.deepEqual(await fields({ ...goodOrder, items: [] }), ['items'])
    assert.deepEqual(await fields({ ...goodOrder, items: [{ product_id: 'product-001', quantity: 0, price: 1 }] }), [
      'items[0].quantity',
    ])
    assert.deepEqual(await fields({ ...goodOrder, items: [{ product_id: 'p', quantity: 1, price: '9.99' }] }), [
      'items[0].price',
    ])
    assert.deepEqual(await fields({ ...goodOrder, coupon: 'FREE' }), ['coupon'])
    const notJson = await post(api, '{"customer_id": ')
    assert.equal(notJson.status, 400)
    assert.equal(notJson.body['error'], 'bad_request')
    const xml = await call(`${api}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<order/>',
    })
    assert.equal(xml.status, 415)
    const huge = await post(api, { ...goodOrder, customer_id: 'x'.repeat(100_000) })
    assert.equal(huge.status, 413)
    assert.equal((await call(`${api}/api/v1/orders/no-such-order`)).status, 404)
  })

  await t.test('totals are computed exactly, in the currency unit the prices use', async () => {
    const totalOf = async (items: { price: number; quantity: number }[]) => {
      const reply = await post(api, {
        customer_id: 'customer-money',
        items: items.map((i) => ({ product_id: 'product-001', ...i })),
      })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      return reply.body['total']
    }
    assert.equal(await totalOf([{ price: 0.005, quantity: 3 }]), 0.015)
    assert.equal(
      await totalOf([
        { price: 0.1, quantity: 3 },
        { price: 0.2, quantity: 1 },
      ]),
      0.5,
    )
    assert.equal(
      await totalOf([
        { price: 99.99, quantity: 2 },
        { price: 149.99, quantity: 1 },
      ]),
      349.97,
    )
  })

  await t.test('a __proto__ key, a 10k-character id and a bad percent-encoding get {error, message}', async () => {
    const shape = (reply: Reply) => Object.keys(reply.body).sort()
    const proto = await post(
      api,
      '{"customer_id":"c","items":[{"product_id":"p","quantity":1,"price":1}],"__proto__":{"admin":true}}',
    )
    assert.equal(proto.status, 400, JSON.stringify(proto.body))
    assert.deepEqual(shape(proto), ['error', 'message'])
    assert.equal(proto.body['error'], 'bad_request')
    assert.match(String(proto.body['message']), /__proto__/)
    assert.doesNotMatch(String(proto.body['message']), /not valid JSON/)

    const long = await call(`${api}/api/v1/orders/${'x'.repeat(10_000)}`)
    assert.equal(long.status, 414, JSON.stringify(long.body))
    assert.deepEqual(long.body, { error: 'uri_too_long', message: 'a path segment is longer than 100 characters' })

    const badEncoding = await call(`${api}/api/v1/orders/%E0%A4%A`)
    assert.equal(badEncoding.status, 400, JSON.stringify(badEncoding.body))
    assert.deepEqual(shape(badEncoding), ['error', 'message'])
    assert.equal(badEncoding.body['error'], 'bad_request')
  })

  await t.test('an order.created delivered twice reserves stock once (the inventory inbox)', async () => {
    const before = await system.inventory.available('product-002')
    const order = {
      order_id: 'twice-1',
      customer_id: 'c-twice',
      items: [{ product_id: 'product-002', quantity: 2, price: 1 }],
      total: 2,
    }
    const id = '0191e5a0-0000-7000-8000-00000000abcd'
    await system.observer.publish(system.flow.OrderCreated, order, { id })
    await system.observer.publish(system.flow.OrderCreated, order, { id })
    await waitFor(
      () => system.eventsOf('twice-1').filter((e) => e.type === 'order.created').length === 2,
      'both deliveries',
    )
    // A third event of the same order (same key, so handled after the duplicate): once its reply is
    // out, the duplicate was handled too.
    await system.observer.publish(system.flow.OrderCreated, {
      ...order,
      items: [{ product_id: 'product-003', quantity: 2, price: 1 }],
    })
    await waitFor(
      () => system.eventsOf('twice-1').some((e) => e.type === 'inventory.reservation_failed'),
      'the reply to the third event',
    )
    assert.equal(await system.inventory.available('product-002'), before! - 2)
    assert.equal(system.eventsOf('twice-1').filter((e) => e.type === 'inventory.reserved').length, 1)
  })

  await t.test('every service answers /health and /ready', async () => {
    for (const service of [system.orders, system.inventory, system.notifications]) {
      assert.deepEqual((await call(`${service.url}/health`)).body, { status: 'ok' })
      const ready = await call(`${service.url}/ready`)
      assert.equal(ready.status, 200, service.name)
      assert.equal(ready.body['status'], 'ready')
    }
  })
})

test('a stopping service reports not ready, then stops its consumer and producer', async (t) => {
  const flow = orderFlow(uniqueName('shop-stop'))
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const config = loadConfig({ argv: [], cwd: '/', env: { KAFKA_BROKERS: brokers().join(','), APP_SERVER_PORT: '0' } })
  const inventory = await startInventoryService({ config, namespace: flow.namespace, logger: silentLogger() })
  defer(t, () => inventory.stop())
  assert.equal(inventory.readiness().ready, true)
  const stopping = inventory.stop()
  assert.equal(inventory.readiness().ready, false, 'not ready as soon as the stop begins')
  await stopping
  assert.deepEqual(inventory.readiness().checks, { consumer: 'stopped', shutdown: 'in progress' })
  await assert.rejects(fetch(`${inventory.url}/health`), 'the HTTP server is closed')
})

test('with DATABASE_URL, orders and stock live in that PostgreSQL, one schema per service', async (t) => {
  const namespace = uniqueName('shop_pg').replaceAll('-', '_')
  const flow = orderFlow(namespace)
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const config = loadConfig({ argv: [], cwd: '/', env: { KAFKA_BROKERS: brokers().join(','), APP_SERVER_PORT: '0' } })
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 })
  defer(t, async () => {
    for (const service of ['order_service', 'inventory_service'])
      await admin.query(`DROP SCHEMA IF EXISTS "${namespace}_${service}" CASCADE`)
    await admin.end()
  })
  const options = { config, namespace, logger: silentLogger(), databaseUrl: DATABASE_URL }
  const [orders, inventory, notifications] = await Promise.all([
    startOrderService(options),
    startInventoryService(options),
    startNotificationService(options),
  ])
  defer(t, () => Promise.all([orders.stop(), inventory.stop(), notifications.stop()]))
  const placed = await post(orders.url, goodOrder)
  assert.equal(placed.status, 201)
  const id = placed.body['order_id'] as string
  const status = async () =>
    (
      await admin.query<{ status: string }>(
        `SELECT doc->>'status' AS status FROM "${namespace}_order_service".orders WHERE order_id = $1`,
        [id],
      )
    ).rows[0]?.status
  await waitFor(async () => (await status()) === 'notified', 'the order notified, in PostgreSQL')
  const stock = await admin.query<{ available: number }>(
    `SELECT available FROM "${namespace}_inventory_service".stock WHERE product_id = 'product-001'`,
  )
  assert.equal(stock.rows[0]!.available, 1000 - 2)
  const outbox = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "${namespace}_order_service".kafkit_outbox`,
  )
  assert.equal(outbox.rows[0]!.n, 0, 'the relay sent and deleted the order.created row')
})
