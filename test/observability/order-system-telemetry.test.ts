// The order system's OpenTelemetry setup (examples/order-system/shared/telemetry.ts), chosen by the
// standard OTEL_* variables: kafkit's metrics on the service's own /metrics in the Prometheus format,
// and spans and metrics sent by OTLP to the endpoint in OTEL_EXPORTER_OTLP_ENDPOINT (here a local
// capture server standing in for a collector).
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { createKafkit, loadConfig, silentLogger } from 'kafkit'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { startInventoryService } from '../../examples/order-system/inventory-service/service.ts'
import { startTelemetry } from '../../examples/order-system/shared/telemetry.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'

test('Prometheus /metrics on the service port, OTLP export when an endpoint is set', async (t) => {
  const received: string[] = []
  const collector = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      received.push(`${request.method} ${request.url}`)
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  defer(t, () => new Promise((resolve) => collector.close(resolve)))
  // The OTLP exporters read the standard variables themselves.
  process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
  const telemetry = startTelemetry('inventory-service')
  assert.deepEqual(telemetry.exporters, { traces: ['otlp'], metrics: ['prometheus', 'otlp'] })
  assert.ok(telemetry.metricsHandler)

  const namespace = uniqueName('shop-prom')
  const flow = orderFlow(namespace)
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const config = loadConfig({ argv: [], cwd: '/', env: { KAFKA_BROKERS: brokers().join(','), APP_SERVER_PORT: '0' } })
  const inventory = await startInventoryService({
    config,
    namespace,
    logger: silentLogger(),
    metrics: telemetry.metricsHandler,
  })
  defer(t, () => inventory.stop())
  const client = createKafkit({
    service: 'shop-client',
    catalog: flow.catalog,
    client: config.client,
    logger: silentLogger(),
  })
  defer(t, () => client.close())
  await client.publish(flow.OrderCreated, {
    order_id: 'o-prom',
    customer_id: 'c-1',
    items: [{ product_id: 'product-001', quantity: 1, price: 1 }],
    total: 1,
  })

  const scrape = async () => {
    const response = await fetch(`${inventory.url}/metrics`)
    assert.equal(response.status, 200)
    return response.text()
  }
  // The counter appears once the first record was handled.
  await waitFor(async () => (await scrape()).includes('kafkit_consumer_consumed'), 'the handled order on /metrics')
  const text = await scrape()
  for (const name of [
    'kafkit_consumer_consumed',
    'kafkit_consumer_handler_duration',
    'kafkit_producer_published',
    'kafkit_consumer_assigned_partitions',
    'kafkit_consumer_rebalances',
  ]) {
    assert.ok(text.includes(name), `${name} is on /metrics`)
  }
  assert.match(text, new RegExp(`kafkit_producer_published\\S*\\{[^}]*messaging_destination_name="${flow.topics[1]}"`))

  await inventory.stop()
  await telemetry.stop() // flushes: the collector gets the spans and the metrics
  assert.ok(received.includes('POST /v1/traces'), `spans exported by OTLP (got ${received.join(', ')})`)
  assert.ok(received.includes('POST /v1/metrics'), `metrics exported by OTLP (got ${received.join(', ')})`)
})
