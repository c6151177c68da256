// A broker that goes away and comes back: the consumer reports, retries with backoff, and carries on.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Consumer } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { startIsolatedBroker } from '../support/isolated-broker.ts'
import { defer, track, uniqueName, waitFor } from '../support/kafka.ts'
import { captureLogs } from '../support/logs.ts'

test('the consumer survives a broker restart and goes on consuming, without a crash or a hang', async (t) => {
  const broker = await startIsolatedBroker(t)
  const client = { brokers: [broker.bootstrap] }
  const topic = defineTopic({ name: uniqueName('supervised'), key: 'id', partitions: 2 })
  const Ticked = defineEvent({ type: 'clock.ticked', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const catalog = createCatalog([Ticked])
  await ensureTopics(client, topicSpecsFor(catalog, { dlq: false }), { logger: silentLogger() })

  const producer = track(
    t,
    new Producer({ client, service: 'supervision-test', logger: silentLogger(), deliveryTimeout: 60_000 }),
  )
  const logs = captureLogs('warn')
  const handled = new Set<string>()
  const consumer = new Consumer({
    client,
    catalog,
    service: 'supervised',
    group: uniqueName('supervised'),
    logger: logs.logger,
    commitInterval: 100,
  })
  consumer.on(Ticked, (event) => void handled.add(event.payload.id))
  defer(t, () => consumer.stop())
  await consumer.start()

  for (let i = 0; i < 10; i++) await producer.publish(Ticked, { id: `before-${i}` })
  await waitFor(() => handled.size === 10, 'the first ten handled')

  await broker.stop()
  await waitFor(() => logs.lines.length > 0, 'the outage reported in the logs', { timeoutMs: 60_000 })
  await broker.start()
  for (let i = 0; i < 10; i++) await producer.publish(Ticked, { id: `after-${i}` })
  await waitFor(() => handled.size === 20, 'the ten published after the restart handled', { timeoutMs: 90_000 })

  assert.ok(consumer.status().runners[0]!.running, 'the consumer is still running')
  const reported = logs.lines.map((l) => String(l['msg']))
  t.diagnostic(`reported: ${[...new Set(reported)].join(' | ')}`)
  assert.ok(
    reported.some((m) => /restarting|commit failed/.test(m)),
    'the outage was reported as such',
  )
})
