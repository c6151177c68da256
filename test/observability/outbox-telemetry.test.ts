// Outbox and inbox telemetry with an SDK: an outbox write is a PRODUCER `create <topic>` span
// whose context the relayed record carries; the relay counts rows relayed and times them; the
// gauges report rows waiting and the oldest one's age (0 once drained) and the lanes held; the
// inbox counts duplicates. Every metric name is documented in docs/observability.md.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { SpanKind } from '@opentelemetry/api'
import { z } from 'zod'
import { defineEvent, defineTopic, Metrics, silentLogger } from 'kafkit'
import { createOutbox, memoryInbox } from 'kafkit/outbox'
import { brokers, createTopic, defer, readTopic, waitFor } from '../support/kafka.ts'
import { testDatabase } from '../outbox/support.ts'
import { installOtel } from './otel.ts'

const otel = installOtel()

test('outbox spans and relay metrics', async (t) => {
  const topic = await createTopic(t, 'outbox-otel', { partitions: 2 })
  const Noted = defineEvent({
    type: 'note.taken',
    version: '1.0',
    topic: defineTopic({ name: topic, key: 'id', partitions: 2 }),
    schema: z.object({ id: z.string() }),
  })
  const { db, schema } = await testDatabase(t)
  const outbox = createOutbox({ database: db, service: 'otel-outbox', client: { brokers: brokers() }, schema })
  await outbox.migrate({ lanes: 4 })
  for (let i = 0; i < 5; i++) await db.transaction((tx) => outbox.publish(tx, Noted, { id: `n-${i}` }))
  await otel.flush()
  const creates = otel.finished().filter((s) => s.name === `create ${topic}`)
  assert.equal(creates.length, 5)
  assert.equal(creates[0]!.kind, SpanKind.PRODUCER)
  assert.equal(creates[0]!.attributes['messaging.operation.type'], 'create')
  assert.equal(creates[0]!.attributes['kafkit.event.type'], 'note.taken')

  const relay = outbox.relay({ logger: silentLogger(), statsInterval: 100, pollInterval: 100 })
  await relay.start()
  defer(t, () => relay.stop())
  const attributes = { 'kafkit.outbox': `${schema}.kafkit_outbox` }
  await waitFor(async () => (await otel.sum(Metrics.outboxRelayed, attributes)) === 5, 'five rows relayed')
  assert.equal(await otel.count(Metrics.outboxLatency, attributes), 5)
  assert.equal(await otel.sum(Metrics.outboxLanes, attributes), 4)
  await waitFor(async () => (await otel.sum(Metrics.outboxPending, attributes)) === 0, 'nothing pending')
  assert.equal(await otel.sum(Metrics.outboxLag, attributes), 0)

  const records = await readTopic(t, topic, 5)
  const traceIds = new Set(creates.map((s) => s.spanContext().traceId))
  for (const record of records) {
    const [, traceId, spanId] = record.headers.get('traceparent')!.split('-')
    assert.ok(traceIds.has(traceId!), 'the record carries its create span')
    assert.ok(creates.some((s) => s.spanContext().spanId === spanId))
  }
})

test('inbox duplicates are counted', async () => {
  const inbox = memoryInbox()
  const handler = inbox.middleware()(() => undefined)
  const ctx = { group: 'otel-group', logger: silentLogger() } as never
  await handler({ id: 'e', type: 'x.y' } as never, ctx)
  await handler({ id: 'e', type: 'x.y' } as never, ctx)
  assert.equal(await otel.sum(Metrics.inboxDuplicates, { 'messaging.consumer.group.name': 'otel-group' }), 1)
})

test('docs/observability.md documents every metric', () => {
  const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8')
  const missing = Object.values(Metrics).filter((name) => !doc.includes(`\`${name}\``))
  assert.deepEqual(missing, [])
})
