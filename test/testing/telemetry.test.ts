// The runtime's telemetry is the same on the in-memory Kafka: the publish and process spans of one
// event in one trace, and the consumer's metrics (consumed, retries, DLQ).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Metrics } from '../../src/observability/names.ts'
import { createTestKafkit } from '../../src/testing/index.ts'
import { installOtel } from '../observability/otel.ts'

const otel = installOtel()

const topic = defineTopic({ name: 'telemetry.orders', key: 'order_id', partitions: 2 })
const Placed = defineEvent({ type: 'order.placed', version: '1.0', topic, schema: z.object({ order_id: z.string() }) })

test('spans and metrics of a handled and a dead-lettered event', async () => {
  const kit = createTestKafkit({ catalog: [Placed] })
  await kit
    .consumer({ retry: { maxAttempts: 2 } })
    .on(Placed, (event) => {
      if (event.payload.order_id === 'bad') throw new Error('no')
    })
    .start()
  const good = await kit.publish(Placed, { order_id: 'good' })
  await kit.publish(Placed, { order_id: 'bad' })
  await kit.waitForHandled(Placed, { order_id: 'good' })
  await kit.waitFor(() => kit.deadLetters(Placed).length === 1)
  await kit.close()
  await otel.flush()
  const process = otel
    .finished()
    .find((s) => s.name === `process ${topic.name}` && s.attributes['messaging.message.id'] === good.eventId)
  const send = otel.finished().find((s) => s.name === `send ${topic.name}`)
  assert.ok(process && send)
  assert.equal(process.spanContext().traceId, send.spanContext().traceId)
  assert.equal(await otel.sum(Metrics.consumed), 1)
  assert.equal(await otel.sum(Metrics.consumeFailed), 1)
  assert.equal(await otel.sum(Metrics.retries), 1)
  assert.equal(await otel.sum(Metrics.deadLettered), 1)
})
