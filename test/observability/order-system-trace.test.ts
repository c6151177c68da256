// One HTTP order in the example order system is one trace: the HTTP SERVER span → the order-service
// producer span → the inventory-service process span → its producer span → the notification-service
// process span, each the parent of the next. The three services run in this process on a private
// topic namespace, with the OpenTelemetry SDK's in-memory exporter.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { loadConfig, silentLogger } from 'kafkit'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { startInventoryService } from '../../examples/order-system/inventory-service/service.ts'
import { startNotificationService } from '../../examples/order-system/notification-service/service.ts'
import { startOrderService } from '../../examples/order-system/order-service/service.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { installOtel, parentOf } from './otel.ts'

const otel = installOtel()

test('one HTTP order → one trace: HTTP → outbox create → inventory process → send → notification process', async (t) => {
  const namespace = uniqueName('shop-otel')
  const flow = orderFlow(namespace)
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const config = loadConfig({ argv: [], cwd: '/', env: { KAFKA_BROKERS: brokers().join(','), APP_SERVER_PORT: '0' } })
  const options = { config, namespace, logger: silentLogger() }
  const [orders, inventory, notifications] = await Promise.all([
    startOrderService(options),
    startInventoryService(options),
    startNotificationService(options),
  ])
  defer(t, () => Promise.all([orders.stop(), inventory.stop(), notifications.stop()]))

  // A caller that is itself traced: the HTTP span continues its trace.
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
  const response = await fetch(`${orders.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
    body: JSON.stringify({ customer_id: 'c-otel', items: [{ product_id: 'product-001', quantity: 1, price: 5 }] }),
  })
  assert.equal(response.status, 201)
  const { order_id: orderId } = (await response.json()) as { order_id: string }
  await waitFor(async () => (await orders.order(orderId))?.status === 'notified', 'the order to be notified')

  const inTrace = () => otel.finished().filter((s) => s.spanContext().traceId === callerTrace)
  const one = (what: string, match: (s: ReadableSpan) => boolean) => {
    const found = inTrace().filter(match)
    assert.equal(found.length, 1, `one ${what} (found ${found.length})`)
    return found[0]!
  }
  const [ordersTopic, inventoryTopic] = flow.topics
  await waitFor(async () => {
    await otel.flush()
    return inTrace().some(
      (s) =>
        s.name === `process ${inventoryTopic}` &&
        s.attributes['messaging.consumer.group.name'] === flow.groups.notification,
    )
  }, 'the notification process span')

  const http = one('HTTP span', (s) => s.kind === SpanKind.SERVER)
  // The order service writes order.created to its outbox: a `create` span, in the request's trace.
  const sendOrder = one('order-service outbox write', (s) => s.name === `create ${ordersTopic}`)
  const processOrder = one(
    'inventory process span',
    (s) =>
      s.name === `process ${ordersTopic}` && s.attributes['messaging.consumer.group.name'] === flow.groups.inventory,
  )
  const sendReservation = one('inventory send', (s) => s.name === `send ${inventoryTopic}`)
  const processReservation = one(
    'notification process span',
    (s) =>
      s.name === `process ${inventoryTopic}` &&
      s.attributes['messaging.consumer.group.name'] === flow.groups.notification,
  )

  const chain = [http, sendOrder, processOrder, sendReservation, processReservation]
  assert.equal(parentOf(http), '00f067aa0ba902b7', 'the HTTP span continues the caller')
  for (let i = 1; i < chain.length; i++) {
    assert.equal(parentOf(chain[i]!), chain[i - 1]!.spanContext().spanId, `${chain[i]!.name} parent`)
  }
  assert.equal(http.name, 'POST /api/v1/orders')
  assert.equal(http.attributes['http.route'], '/api/v1/orders')
  assert.equal(http.attributes['http.response.status_code'], 201)
  assert.deepEqual(
    chain.map((s) => s.kind),
    [SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.PRODUCER, SpanKind.CONSUMER],
  )
  for (const span of chain) assert.equal(span.status.code, SpanStatusCode.UNSET, span.name)
  assert.equal(sendOrder.attributes['kafkit.event.type'], 'order.created')
  assert.equal(processReservation.attributes['kafkit.event.type'], 'inventory.reserved')
  // Probes are not traced.
  await fetch(`${orders.url}/health`)
  await otel.flush()
  assert.equal(otel.finished().filter((s) => s.attributes['url.path'] === '/health').length, 0)

  // The services' readiness is kafkit's health report.
  const ready = (await (await fetch(`${inventory.url}/ready`)).json()) as {
    status: string
    health: { status: string; consumers: { runners: { assigned: unknown[] }[] }[] }
  }
  assert.equal(ready.status, 'ready')
  assert.equal(ready.health.status, 'ok')
  assert.ok(ready.health.consumers[0]!.runners[0]!.assigned.length > 0, 'the inventory consumer has partitions')
})
