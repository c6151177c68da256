// Metric values match a scenario against the real broker: N published, M retried once, K
// dead-lettered; lag is N while the consumer is held back and falls to 0 once it caught up; the
// health report follows (degraded above maxLag, ok after, down when closed).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SpanStatusCode } from '@opentelemetry/api'
import { z } from 'zod'
import {
  createKafkit,
  defineEvent,
  defineTopic,
  ErrorCodes,
  KafkitError,
  Metrics,
  NonRetryableError,
  silentLogger,
} from 'kafkit'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { installOtel } from './otel.ts'

const otel = installOtel()

test('counters, histograms and gauges match what happened; lag falls to 0', async (t) => {
  const N = 30
  const M = 4 // fail once (retryable), then succeed
  const K = 3 // poison: straight to the DLQ
  const topic = defineTopic({ name: uniqueName('otel-metrics'), key: 'id', partitions: 3 })
  deleteAfter(t, () => [topic.name, `${topic.name}.dlq`])
  const Ping = defineEvent({
    type: 'ping.sent',
    version: '1.0',
    topic,
    schema: z.object({ id: z.string(), mode: z.enum(['ok', 'flaky', 'poison']) }),
  })
  const kafkit = createKafkit({
    service: 'otel-metrics',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()

  const modes = Array.from({ length: N }, (_, i): 'ok' | 'flaky' | 'poison' =>
    i < M ? 'flaky' : i < M + K ? 'poison' : 'ok',
  )
  await kafkit.publishBatch(modes.slice(0, 10).map((mode, i) => ({ event: Ping, payload: { id: `p-${i}`, mode } })))
  await Promise.all(modes.slice(10).map((mode, i) => kafkit.publish(Ping, { id: `p-${i + 10}`, mode })))

  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const consumer = kafkit.consumer({
    group: uniqueName('otel-metrics'),
    commitInterval: 100,
    fetchMaxWait: 100,
    lagInterval: 100,
    retry: { initialBackoff: 10, maxBackoff: 20 },
  })
  consumer.on(Ping, async (event, ctx) => {
    await gate
    if (event.payload.mode === 'flaky' && ctx.attempt === 1) {
      throw new KafkitError(ErrorCodes.HANDLER_FAILED, 'flaky', { retryable: true })
    }
    if (event.payload.mode === 'poison') throw new NonRetryableError('poison')
  })
  await consumer.start()
  const group = { 'messaging.consumer.group.name': consumer.group }
  const onTopic = { 'messaging.destination.name': topic.name }

  // Held back at the gate: nothing committed, every record is lag.
  await waitFor(async () => (await otel.sum(Metrics.lag, group)) === N, `lag ${N} while the handlers wait`)
  assert.equal(await otel.sum(Metrics.assigned, group), 3)
  assert.ok((await otel.sum(Metrics.inFlight, group)) > 0, 'records are in flight')
  const held = consumer.health({ maxLag: 10 })
  assert.equal(held.status, 'degraded')
  assert.match(held.reasons.join('; '), /lag 30 is above 10/)
  assert.equal(held.runners[0]!.lag?.total, N)
  assert.equal(held.runners[0]!.assigned.length, 3)
  assert.equal(held.runners[0]!.connected, true)

  release()
  const done = async () =>
    (await otel.sum(Metrics.consumed, group)) + (await otel.sum(Metrics.consumeFailed, group)) === N
  await waitFor(done, 'every record done')
  await waitFor(async () => (await otel.sum(Metrics.lag, group)) === 0, 'lag to fall to 0')

  const ping = { ...onTopic, 'kafkit.event.type': 'ping.sent' }
  assert.equal(await otel.sum(Metrics.published, ping), N)
  assert.equal(await otel.count(Metrics.publishDuration, ping), N)
  assert.equal(await otel.sum(Metrics.published, { 'messaging.destination.name': `${topic.name}.dlq` }), K)
  assert.equal(await otel.sum(Metrics.publishFailed), 0)
  assert.equal(await otel.sum(Metrics.consumed, { ...group, ...ping }), N - K)
  assert.equal(await otel.sum(Metrics.consumeFailed, { ...group, 'error.type': ErrorCodes.NON_RETRYABLE }), K)
  assert.equal(await otel.sum(Metrics.retries, { ...group, ...ping }), M)
  assert.equal(await otel.sum(Metrics.deadLettered, { ...group, ...ping }), K)
  assert.equal(await otel.sum(Metrics.retryTopic, group), 0)
  // Every attempt is timed: N first attempts and M second ones; M + K of them failed.
  assert.equal(await otel.count(Metrics.handlerDuration, group), N + M)
  assert.equal(await otel.count(Metrics.handlerDuration, { ...group, 'error.type': ErrorCodes.HANDLER_FAILED }), M)
  assert.equal(await otel.count(Metrics.handlerDuration, { ...group, 'error.type': ErrorCodes.NON_RETRYABLE }), K)
  assert.equal(await otel.count(Metrics.processDuration, group), N)
  assert.ok((await otel.sum(Metrics.rebalances, group)) >= 1, 'the join counts as a rebalance')
  assert.ok((await otel.count(Metrics.commitDuration, group)) >= 1, 'commits are timed')
  assert.equal(await otel.sum(Metrics.inFlight, group), 0)

  const caughtUp = kafkit.health({ maxLag: 10 })
  assert.equal(caughtUp.status, 'ok', caughtUp.consumers[0]!.reasons.join('; '))
  assert.equal(caughtUp.consumers[0]!.runners[0]!.lag?.total, 0)
  assert.ok(caughtUp.consumers[0]!.runners[0]!.lastCommitAt instanceof Date)
  assert.equal(caughtUp.producer?.status, 'ok')
  assert.ok(caughtUp.producer.lastDeliveryAt instanceof Date)
  assert.equal(caughtUp.producer.outstanding, 0)

  await kafkit.close()
  const closed = kafkit.health()
  assert.equal(closed.status, 'down')
  assert.equal(closed.producer?.status, 'down')
  assert.equal(closed.consumers[0]!.state, 'stopped')
  // A stopped member's gauges fall to 0 (they would otherwise keep their last value).
  assert.equal(await otel.sum(Metrics.assigned, group), 0)
})

test('a failed publish is counted with its error type; with telemetry off nothing is recorded', async (t) => {
  const topic = defineTopic({ name: uniqueName('otel-off'), key: 'id' })
  deleteAfter(t, () => [topic.name])
  const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const on = createKafkit({
    service: 'otel-on',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  const off = createKafkit({
    service: 'otel-off',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: silentLogger(),
    telemetry: false,
  })
  defer(t, () => Promise.all([on.close(), off.close()]))
  await on.provision()
  const invalid = { 'messaging.destination.name': topic.name, 'error.type': ErrorCodes.PAYLOAD_INVALID }

  await assert.rejects(on.publish(Ping, { id: 1 } as never))
  assert.equal(await otel.sum(Metrics.publishFailed, invalid), 1)
  await assert.rejects(off.publish(Ping, { id: 1 } as never))
  await off.publish(Ping, { id: 'x' })
  assert.equal(await otel.sum(Metrics.publishFailed, invalid), 1)
  assert.equal(await otel.sum(Metrics.published, { 'messaging.destination.name': topic.name }), 0)
  await otel.flush()
  assert.equal(
    otel.finished().filter((s) => s.name === `send ${topic.name}` && s.status.code === SpanStatusCode.UNSET).length,
    0,
  )
})
