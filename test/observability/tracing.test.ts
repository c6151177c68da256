// Traces across hops against the real broker, with the OpenTelemetry SDK's in-memory exporter:
// publisher → consumer A (publishes) → consumer B (publishes) → consumer C, all one trace with
// correct parents; retries, upcasts, DLQ routing and timeouts as span events and error statuses.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { z } from 'zod'
import {
  createKafkit,
  defineEvent,
  defineTopic,
  KafkitError,
  ErrorCodes,
  NonRetryableError,
  silentLogger,
} from 'kafkit'
import { brokers, defer, deleteAfter, readTopic, uniqueName, waitFor } from '../support/kafka.ts'
import { installOtel, parentOf } from './otel.ts'

const otel = installOtel()

function flow(t: TestContext) {
  const orders = defineTopic({ name: uniqueName('otel-orders'), key: 'order_id', partitions: 2 })
  const stock = defineTopic({ name: uniqueName('otel-stock'), key: 'order_id' })
  const mail = defineTopic({ name: uniqueName('otel-mail'), key: 'order_id' })
  deleteAfter(t, () => [orders, stock, mail].flatMap((topic) => [topic.name, `${topic.name}.dlq`]))
  const OrderPlaced = defineEvent({
    type: 'order.placed',
    version: '1.0',
    topic: orders,
    schema: z.object({ order_id: z.string(), mode: z.string().optional() }),
  })
  const StockReserved = defineEvent({
    type: 'stock.reserved',
    version: '1.0',
    topic: stock,
    schema: z.object({ order_id: z.string() }),
  })
  const CustomerMailed = defineEvent({
    type: 'customer.mailed',
    version: '1.0',
    topic: mail,
    schema: z.object({ order_id: z.string() }),
  })
  const CustomerMailedV2 = defineEvent({
    type: 'customer.mailed',
    version: '2.0',
    topic: mail,
    schema: z.object({ order_id: z.string(), channel: z.string() }),
    upcast: { from: CustomerMailed, up: (v1) => ({ ...v1, channel: 'email' }) },
  })
  const kafkit = createKafkit({
    service: 'otel-test',
    catalog: [OrderPlaced, StockReserved, CustomerMailed, CustomerMailedV2],
    client: { brokers: brokers() },
    logger: silentLogger(),
    consumer: { commitInterval: 100, fetchMaxWait: 100, retry: { initialBackoff: 10, maxBackoff: 20 } },
  })
  defer(t, () => kafkit.close())
  return { kafkit, OrderPlaced, StockReserved, CustomerMailed, CustomerMailedV2, orders, stock, mail }
}

const byName = (name: string, traceId?: string) =>
  otel.finished().filter((s) => s.name === name && (traceId === undefined || s.spanContext().traceId === traceId))

function only(name: string, traceId: string): ReadableSpan {
  const found = byName(name, traceId)
  assert.equal(found.length, 1, `one ${name} span in the trace (found ${found.length})`)
  return found[0]!
}

test('one trace across three hops: HTTP → send → process → send → process → send → process', async (t) => {
  const f = flow(t)
  await f.kafkit.provision()
  const mailed: string[] = []
  const a = f.kafkit.consumer({ group: uniqueName('otel-a') })
  a.on(f.OrderPlaced, async (event, ctx) => {
    await ctx.publish(f.StockReserved, { order_id: event.payload.order_id })
  })
  const b = f.kafkit.consumer({ group: uniqueName('otel-b') })
  b.on(f.StockReserved, async (event) => {
    // The facade's publish (not ctx.publish) inside a handler continues the trace as well.
    await f.kafkit.publish(f.CustomerMailed, { order_id: event.payload.order_id })
  })
  const c = f.kafkit.consumer({ group: uniqueName('otel-c') })
  c.on(f.CustomerMailedV2, (event) => void mailed.push(event.payload.order_id))
  await Promise.all([a.start(), b.start(), c.start()])

  // The "HTTP request" span: a SERVER span the test's own tracer makes, as an HTTP instrumentation would.
  const published = await trace
    .getTracer('test-http')
    .startActiveSpan('POST /orders', { kind: SpanKind.SERVER }, async (span) => {
      try {
        return await f.kafkit.publish(f.OrderPlaced, { order_id: 'o-1' }, { correlationId: 'corr-otel' })
      } finally {
        span.end()
      }
    })
  await waitFor(() => mailed.includes('o-1'), 'the third hop to handle the order')
  await otel.flush()
  const http = otel.finished().find((s) => s.name === 'POST /orders')!
  const traceId = http.spanContext().traceId
  await waitFor(async () => {
    await otel.flush()
    return byName(`process ${f.mail.name}`, traceId).length === 1
  }, 'the last process span to end')

  const sendOrders = only(`send ${f.orders.name}`, traceId)
  const processOrders = only(`process ${f.orders.name}`, traceId)
  const sendStock = only(`send ${f.stock.name}`, traceId)
  const processStock = only(`process ${f.stock.name}`, traceId)
  const sendMail = only(`send ${f.mail.name}`, traceId)
  const processMail = only(`process ${f.mail.name}`, traceId)
  const chain = [http, sendOrders, processOrders, sendStock, processStock, sendMail, processMail]
  for (let i = 1; i < chain.length; i++) {
    assert.equal(
      parentOf(chain[i]!),
      chain[i - 1]!.spanContext().spanId,
      `${chain[i]!.name} is a child of ${chain[i - 1]!.name}`,
    )
  }
  assert.deepEqual(
    chain.map((s) => s.kind),
    [
      SpanKind.SERVER,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
      SpanKind.PRODUCER,
      SpanKind.CONSUMER,
    ],
  )
  for (const span of chain.slice(1)) assert.equal(span.status.code, SpanStatusCode.UNSET, `${span.name} status`)

  // Semantic-convention attributes of the producer span, matching the publish result.
  assert.equal(published.status, 'published')
  assert.partialDeepStrictEqual(sendOrders.attributes, {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'send',
    'messaging.operation.type': 'send',
    'messaging.destination.name': f.orders.name,
    'messaging.destination.partition.id': String(published.partition),
    'messaging.kafka.offset': Number(published.offset),
    'messaging.kafka.message.key': 'o-1',
    'messaging.message.id': published.eventId,
    'kafkit.event.type': 'order.placed',
    'kafkit.event.version': '1.0',
    'kafkit.correlation_id': 'corr-otel',
  })
  // ... and of the consumer span, which also names the group.
  assert.partialDeepStrictEqual(processOrders.attributes, {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': f.orders.name,
    'messaging.destination.partition.id': String(published.partition),
    'messaging.kafka.offset': Number(published.offset),
    'messaging.kafka.message.key': 'o-1',
    'messaging.consumer.group.name': a.group,
    'messaging.message.id': published.eventId,
    'kafkit.event.type': 'order.placed',
    'kafkit.correlation_id': 'corr-otel',
    'kafkit.outcome': 'handled',
    'kafkit.attempt': 1,
  })
  assert.equal(processStock.attributes['kafkit.causation_id'], processOrders.attributes['messaging.message.id'])
  for (const span of [processStock, processMail]) assert.equal(span.attributes['kafkit.correlation_id'], 'corr-otel')

  // The v1.0 record was upcast for the v2.0 handler: a span event says so.
  const upcast = processMail.events.find((e) => e.name === 'kafkit.upcast')
  assert.deepEqual(upcast?.attributes, { 'kafkit.upcast.from': '1.0', 'kafkit.upcast.to': '2.0' })

  // The record on the wire carries the producer span's context, not the HTTP span's.
  const [record] = await readTopic(t, f.orders.name, 1)
  const { traceId: tid, spanId } = sendOrders.spanContext()
  assert.equal(record!.headers.get('traceparent'), `00-${tid}-${spanId}-01`)
})

test('retries are span events; a dead-lettered record ends with error status and its DLQ write is a child', async (t) => {
  const f = flow(t)
  await f.kafkit.provision()
  let attempts = 0
  const consumer = f.kafkit.consumer({ group: uniqueName('otel-fail'), handlerTimeout: '200ms' })
  consumer.on(f.OrderPlaced, async (event, ctx) => {
    if (event.payload.mode === 'flaky' && ctx.attempt === 1) {
      attempts++
      throw new KafkitError(ErrorCodes.HANDLER_FAILED, 'flaky once', { retryable: true })
    }
    if (event.payload.mode === 'poison') throw new NonRetryableError('poison order')
    if (event.payload.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 1000))
  })
  await consumer.start()
  const ids = {
    flaky: (await f.kafkit.publish(f.OrderPlaced, { order_id: 'o-flaky', mode: 'flaky' })).eventId,
    poison: (await f.kafkit.publish(f.OrderPlaced, { order_id: 'o-poison', mode: 'poison' })).eventId,
    slow: (await f.kafkit.publish(f.OrderPlaced, { order_id: 'o-slow', mode: 'slow' })).eventId,
  }
  const processOf = (id: string) =>
    otel.finished().find((s) => s.name === `process ${f.orders.name}` && s.attributes['messaging.message.id'] === id)
  await waitFor(() => Object.values(ids).every((id) => processOf(id) !== undefined), 'the three records to be done', {
    timeoutMs: 60_000,
  })
  await otel.flush()

  const flaky = processOf(ids.flaky)!
  assert.equal(attempts, 1)
  assert.equal(flaky.status.code, SpanStatusCode.UNSET, 'handled on retry: no error status')
  assert.equal(flaky.attributes['kafkit.outcome'], 'handled')
  assert.equal(flaky.attributes['kafkit.attempt'], 2)
  const retry = flaky.events.find((e) => e.name === 'kafkit.retry')
  assert.equal(retry?.attributes?.['kafkit.attempt'], 1)
  assert.equal(retry?.attributes?.['error.type'], ErrorCodes.HANDLER_FAILED)
  const exception = flaky.events.find((e) => e.name === 'exception')
  assert.equal(exception?.attributes?.['exception.message'], 'flaky once')

  const poison = processOf(ids.poison)!
  assert.equal(poison.status.code, SpanStatusCode.ERROR)
  assert.equal(poison.status.message, 'poison order')
  assert.equal(poison.attributes['error.type'], ErrorCodes.NON_RETRYABLE)
  assert.equal(poison.attributes['kafkit.outcome'], 'dead_lettered')
  const dead = poison.events.find((e) => e.name === 'kafkit.dead_letter')
  assert.equal(dead?.attributes?.['kafkit.dlq.topic'], `${f.orders.name}.dlq`)
  const dlqSend = otel
    .finished()
    .find((s) => s.name === `send ${f.orders.name}.dlq` && parentOf(s) === poison.spanContext().spanId)
  assert.ok(dlqSend, 'the DLQ write is a child span of the process span')
  assert.equal(dlqSend.kind, SpanKind.PRODUCER)

  // Timed out on every attempt (3 by default): retried twice, then dead-lettered.
  const slow = processOf(ids.slow)!
  assert.equal(slow.status.code, SpanStatusCode.ERROR)
  assert.equal(slow.attributes['error.type'], ErrorCodes.HANDLER_TIMEOUT)
  assert.equal(slow.events.filter((e) => e.name === 'kafkit.retry').length, 2)
  assert.equal(slow.attributes['kafkit.attempt'], 3)

  // Each record has exactly one process span (ended once), across retries.
  for (const id of Object.values(ids)) {
    const spans = otel
      .finished()
      .filter((s) => s.attributes['messaging.message.id'] === id && s.kind === SpanKind.CONSUMER)
    assert.equal(spans.length, 1, `one process span for ${id}`)
  }
})

test('a batch publish is one span with the message count; a failed publish ends its span with error status', async (t) => {
  const f = flow(t)
  await f.kafkit.provision()
  await f.kafkit.publishBatch([
    { event: f.OrderPlaced, payload: { order_id: 'b-1' } },
    { event: f.OrderPlaced, payload: { order_id: 'b-2' } },
    { event: f.OrderPlaced, payload: { order_id: 'b-3' } },
  ])
  await otel.flush()
  const batch = otel
    .finished()
    .filter((s) => s.name === `send ${f.orders.name}` && s.attributes['messaging.batch.message_count'] === 3)
  assert.equal(batch.length, 1)
  assert.equal(batch[0]!.kind, SpanKind.PRODUCER)

  const records = await readTopic(t, f.orders.name, 3)
  const { traceId, spanId } = batch[0]!.spanContext()
  for (const record of records) assert.equal(record.headers.get('traceparent'), `00-${traceId}-${spanId}-01`)

  await assert.rejects(f.kafkit.publish(f.OrderPlaced, { order_id: 42 } as never), { code: ErrorCodes.PAYLOAD_INVALID })
  await otel.flush()
  const failed = otel
    .finished()
    .find((s) => s.name === `send ${f.orders.name}` && s.status.code === SpanStatusCode.ERROR)
  assert.ok(failed, 'the invalid publish has a span with error status')
  assert.equal(failed.attributes['error.type'], ErrorCodes.PAYLOAD_INVALID)
})
