// The SDK's log lines about a record carry the event id and type, topic, partition, offset and
// correlation id, whether a handler logs through ctx.logger or the runtime logs a failure.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, runWithContext } from 'kafkit'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { captureKafkitLogs } from './capture.ts'

test('handler, failure, retry and dead-letter log lines name the record and its correlation id', async (t) => {
  const topic = defineTopic({ name: uniqueName('kafkit-logfields'), key: 'id', partitions: 2 })
  const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [topic.name, `${topic.name}.dlq`])
  const logs = captureKafkitLogs({ level: 'debug' })
  const kafkit = createKafkit({
    service: 'log-fields',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: logs.logger,
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()

  const consumer = kafkit.consumer({ group: uniqueName('log-fields'), retry: { maxAttempts: 2, initialBackoff: 10 } })
  consumer.on(Ping, (event, ctx) => {
    ctx.logger.info({}, 'handling')
    throw new Error('always fails')
  })
  await consumer.start()
  const sent = await runWithContext({ correlationId: 'corr-log-fields' }, () => kafkit.publish(Ping, { id: 'p-1' }))
  await waitFor(() => logs.lines().some((l) => String(l['msg']).startsWith('record dead-lettered')), 'the DLQ line')

  const expected = {
    eventId: sent.eventId,
    eventType: 'ping.sent',
    topic: topic.name,
    partition: sent.partition,
    offset: sent.offset.toString(),
    correlationId: 'corr-log-fields',
  }
  const about = (prefix: string) => logs.lines().filter((l) => String(l['msg']).startsWith(prefix))
  for (const prefix of ['handling', 'handler failed', 'record dead-lettered']) {
    const lines = about(prefix)
    assert.ok(lines.length > 0, `a "${prefix}" line`)
    for (const line of lines) {
      for (const [field, value] of Object.entries(expected)) assert.equal(line[field], value, `${prefix}: ${field}`)
    }
  }
  assert.equal(about('handler failed').length, 2, 'one line per failed attempt')
})
