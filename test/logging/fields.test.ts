// Log lines name each field once (an application's `service` binding and kafkit's do not repeat),
// and record log lines carry trace_id and span_id of the record's span when tracing is on.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic } from 'kafkit'
import { installOtel } from '../observability/otel.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { captureKafkitLogs } from './capture.ts'

const otel = installOtel()

/** The top-level keys of a JSON object as written, duplicates included (JSON.parse keeps the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = []
  let depth = 0
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '"') {
      let end = i + 1
      while (line[end] !== '"') end += line[end] === '\\' ? 2 : 1
      if (depth === 1 && line[end + 1] === ':') keys.push(JSON.parse(line.slice(i, end + 1)) as string)
      i = end
    } else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth--
  }
  return keys
}

test('no field twice in a line; record lines carry the trace ids of the record span', async (t) => {
  const topic = defineTopic({ name: uniqueName('kafkit-logdup'), key: 'id', partitions: 1 })
  const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [topic.name, `${topic.name}.dlq`])
  // As the example services do: the application binds its service name, kafkit binds it too.
  const logs = captureKafkitLogs({ level: 'debug', bindings: { service: 'log-dup' } })
  const kafkit = createKafkit({
    service: 'log-dup',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: logs.logger,
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const group = uniqueName('log-dup')
  const consumer = kafkit.consumer({ group, retry: { maxAttempts: 2, initialBackoff: 10 } })
  consumer.on(Ping, (_event, ctx) => {
    ctx.logger.info({}, 'handling')
    throw new Error('always fails')
  })
  await consumer.start()
  await kafkit.publish(Ping, { id: 'p-1' })
  await waitFor(() => logs.lines().some((l) => String(l['msg']).startsWith('record dead-lettered')), 'the DLQ line')
  await kafkit.close()

  assert.ok(logs.raw.length > 5, 'lines were written')
  for (const line of logs.raw) {
    const keys = topLevelKeys(line)
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
      line,
    )
  }
  assert.ok(logs.lines().some((l) => l['service'] === 'log-dup' && l['group'] === group))

  await otel.flush()
  const spanIds = new Set(otel.finished().map((s) => s.spanContext().spanId))
  for (const prefix of ['handling', 'handler failed']) {
    const lines = logs.lines().filter((l) => String(l['msg']).startsWith(prefix))
    assert.ok(lines.length > 0, `a "${prefix}" line`)
    for (const line of lines) {
      assert.match(String(line['trace_id']), /^[0-9a-f]{32}$/, `${prefix}: trace_id`)
      assert.ok(spanIds.has(String(line['span_id'])), `${prefix}: span_id is a recorded span`)
    }
  }
})
