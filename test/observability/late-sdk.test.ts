// An SDK registered after kafkit was imported and its producer made is used from then on: kafkit
// resolves its tracer and instruments lazily. Before it, nothing is recorded.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, Metrics, silentLogger } from 'kafkit'
import { brokers, defer, deleteAfter, uniqueName } from '../support/kafka.ts'
import { installOtel } from './otel.ts'

test('an SDK registered after the producer was made is used from then on', async (t) => {
  const topic = defineTopic({ name: uniqueName('otel-late'), key: 'id' })
  deleteAfter(t, () => [topic.name])
  const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const kafkit = createKafkit({
    service: 'late',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  await kafkit.publish(Ping, { id: 'before' })

  const otel = installOtel()
  const after = await kafkit.publish(Ping, { id: 'after' })
  await otel.flush()
  const spans = otel.finished().filter((s) => s.name === `send ${topic.name}`)
  assert.deepEqual(
    spans.map((s) => s.attributes['messaging.message.id']),
    [after.eventId],
  )
  assert.equal(await otel.sum(Metrics.published, { 'messaging.destination.name': topic.name }), 1)
})
