// The console with a schema registry: the Catalog page shows the schema the registry holds for each
// event version, and the Tail stream decodes registry-encoded (Confluent wire format) records.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, createKafkit, defineEvent, defineTopic, silentLogger } from 'kafkit'
import { startConsole } from './start.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { testRegistry } from '../support/registry.ts'

test('the Catalog page shows the registered schemas; the Tail stream decodes registry-encoded records', async (t) => {
  const name = uniqueName('console-registry')
  deleteAfter(t, () => [name, `${name}.dlq`])
  const topic = defineTopic({ name, key: 'ride_id', partitions: 1, codec: 'registry-json' })
  const RideCompleted = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: z.object({ ride_id: z.string(), fare: z.number() }),
  })
  const catalog = createCatalog([RideCompleted])
  const subject = `${name}-ride.completed.v1`
  const registry = testRegistry(t, {}, () => [subject])
  const kafkit = createKafkit({
    service: 'rides',
    catalog,
    client: { brokers: brokers() },
    logger: silentLogger(),
    registry,
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  await kafkit.publish(RideCompleted, { ride_id: 'r-1', fare: 4.5 })

  const running = await startConsole({
    client: { brokers: brokers() },
    port: 0,
    refreshInterval: 500,
    catalog,
    registry,
  })
  defer(t, () => running.close())
  await waitFor(() => running.model.sample?.cluster.topics.some((x) => x.name === name) === true, 'the topic sampled')

  const page = await (await fetch(`${running.url}/catalog`)).text()
  assert.match(page, new RegExp(`schema from the registry: ${subject} version 1 \\(id \\d+, JSON\\)`))
  assert.match(page, /&#34;fare&#34;/)

  const abort = new AbortController()
  defer(t, () => abort.abort())
  const response = await fetch(`${running.url}/api/tail?topic=${name}`, { signal: abort.signal })
  let received = ''
  const reading = (async () => {
    for await (const chunk of response.body!) received += Buffer.from(chunk as Uint8Array).toString()
  })().catch(() => undefined)
  await waitFor(() => received.includes('ride.completed@1.0'), 'the registry-encoded record decoded')
  assert.match(received, /&#34;ride_id&#34;:&#34;r-1&#34;/)
  abort.abort()
  await reading
})
