// The console's HTTP side without a browser: read-only unless --allow-writes, writes only from its
// own pages, a token beyond loopback (kept out of URLs), no secret in any page or log line; the
// record stream of the Tail page and one correlation id's path across topics.
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { createCatalog, createKafkit, defineEvent, defineTopic, silentLogger } from 'kafkit'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import type { ConsoleOptions } from '../../src/console/index.ts'
import { startConsole } from './start.ts'
import { assertReplayKeptPartitions, topicWithFailures } from '../cli/support.ts'
import { captureKafkitLogs } from '../logging/capture.ts'
import { brokers, createTopic, defer, deleteAfter, testAdmin, uniqueName, waitFor } from '../support/kafka.ts'
import { saslBroker, skipWithoutLocalSasl } from '../support/sasl.ts'

async function consoleFor(t: TestContext, options: Partial<ConsoleOptions> = {}) {
  const running = await startConsole({ client: { brokers: brokers() }, port: 0, refreshInterval: 500, ...options })
  defer(t, () => running.close())
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {}
  await waitFor(async () => {
    const health = (await (await fetch(`${running.url}/healthz`, { headers })).json()) as { status: string }
    return health.status === 'ok'
  }, 'a first sample')
  return running
}

/** A raw request, so that Host and Origin are exactly what a test says. */
function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      })
      req.on('error', reject)
      req.end(options.body)
    },
  )
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }

test('read-only by default; writes need --allow-writes and must come from the console page', async (t) => {
  const running = await consoleFor(t)
  const origin = { ...form, origin: running.url }
  const denied = await http(`${running.url}/groups/g/reset`, {
    method: 'POST',
    headers: origin,
    body: 'topic=x&to=earliest',
  })
  assert.equal(denied.status, 403)
  assert.match(denied.body, /read-only: start it with --allow-writes/)
  assert.equal((await http(`${running.url}/jobs/nope/run`, { method: 'POST', headers: origin })).status, 403)
  const page = await (await fetch(`${running.url}/groups`)).text()
  assert.match(page, /data-testid="mode">read-only</)

  const writable = await consoleFor(t, { allowWrites: true })
  const forged = await http(`${writable.url}/groups/g/reset`, {
    method: 'POST',
    headers: { ...form, origin: 'http://evil.example' },
    body: 'topic=x&to=earliest',
  })
  assert.equal(forged.status, 403, 'a form posted from another site')
  assert.match(forged.body, /a write must come from the console page itself/)
  const noOrigin = await http(`${writable.url}/dlq/x.dlq/replay`, {
    method: 'POST',
    headers: form,
    body: 'target=failed',
  })
  assert.equal(noOrigin.status, 403)
  const rebinding = await http(`${writable.url}/`, { headers: { host: 'evil.example' } })
  assert.equal(rebinding.status, 403, 'a loopback console without a token answers only to loopback names')
})

test('beyond loopback a token is required; the browser presents it once and keeps only its hash', async (t) => {
  await assert.rejects(
    startConsole({ client: { brokers: brokers() }, host: '0.0.0.0', port: 0 }),
    /listens on 0\.0\.0\.0, beyond this machine: give a token/,
  )
  await assert.rejects(
    startConsole({ client: { brokers: brokers() }, port: 0, token: 'short' }),
    /at least 16 characters/,
  )
  const token = 'console-token-0123456789abcdef'
  const logs = captureKafkitLogs({ level: 'trace' })
  const running = await consoleFor(t, { token, host: '0.0.0.0', logger: logs.logger })
  assert.equal((await http(`${running.url}/`)).status, 401)
  assert.equal((await http(`${running.url}/?token=wrong-token-0123456789`)).status, 401)
  const presented = await http(`${running.url}/groups?token=${token}`)
  assert.equal(presented.status, 303)
  assert.equal(presented.headers['location'], '/groups', 'the token leaves the URL')
  const cookie = String(presented.headers['set-cookie'])
  assert.match(cookie, /^kafkit_console=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\//)
  assert.ok(!cookie.includes(token))
  const withCookie = await http(`${running.url}/groups`, { headers: { cookie: cookie.split(';')[0]! } })
  assert.equal(withCookie.status, 200)
  assert.ok(!withCookie.body.includes(token))
  assert.equal((await http(`${running.url}/healthz`, { headers: { authorization: `Bearer ${token}` } })).status, 200)
  for (const line of logs.raw) assert.ok(!line.includes(token), line)
})

test('over SASL: no page and no log line holds the password', { skip: skipWithoutLocalSasl }, async (t) => {
  const logs = captureKafkitLogs({ level: 'trace' })
  const sasl = { mechanism: 'SCRAM-SHA-512' as const, ...LOCAL_SASL_USER }
  const running = await consoleFor(t, {
    client: { brokers: [saslBroker()], sasl },
    logger: logs.logger,
    connection: `${saslBroker()} (SASL SCRAM-SHA-512)`,
  })
  for (const path of ['/', '/groups', '/dlq', '/catalog', '/tail', '/trace?correlation=x', '/nope']) {
    const page = await (await fetch(`${running.url}${path}`)).text()
    assert.ok(!page.includes(LOCAL_SASL_USER.password), path)
  }
  assert.match(await (await fetch(running.url)).text(), /SASL SCRAM-SHA-512/)
  for (const line of logs.raw) assert.ok(!line.includes(LOCAL_SASL_USER.password), line)
})

test('the Tail stream sends the matching records; a correlation id shows its path across topics', async (t) => {
  const flow = orderFlow(uniqueName('console-tail'))
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const kafkit = createKafkit({
    service: 'tail-test',
    catalog: flow.catalog,
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const running = await consoleFor(t, { catalog: flow.catalog })
  await waitFor(
    () => running.model.sample?.cluster.topics.some((x) => x.name === flow.topics[0]) === true,
    'the topics sampled',
  )

  const abort = new AbortController()
  defer(t, () => abort.abort())
  const response = await fetch(`${running.url}/api/tail?topic=${flow.topics[1]}&type=inventory.reserved`, {
    signal: abort.signal,
  })
  assert.equal(response.headers.get('content-type'), 'text/event-stream')
  let received = ''
  const reading = (async () => {
    for await (const chunk of response.body!) received += Buffer.from(chunk as Uint8Array).toString()
  })().catch(() => undefined)

  const correlationId = uniqueName('corr')
  const order = { order_id: 'o-1', customer_id: 'c-1', items: [{ product_id: 'p', quantity: 1, price: 2 }], total: 2 }
  await kafkit.publish(flow.OrderCreated, order, { correlationId })
  await kafkit.publish(
    flow.InventoryReservationFailed,
    { order_id: 'o-1', reason: 'unknown_product', missing_items: [{ product_id: 'p', requested: 1, available: 0 }] },
    { correlationId: uniqueName('other') },
  )
  await kafkit.publish(
    flow.InventoryReserved,
    {
      order_id: 'o-1',
      reservation_id: 'r-1',
      items: [{ product_id: 'p', quantity: 1 }],
      expires_at: new Date().toISOString(),
    },
    { correlationId },
  )
  await waitFor(
    () => {
      if (received.includes('inventory.reserved@1.0')) return true
      // On a timeout, the last error says what the stream sent (its status lines say why it stopped).
      throw new Error(`the stream sent: ${JSON.stringify(received)}`)
    },
    'the reserved event streamed',
    { timeoutMs: 60_000 },
  )
  assert.ok(!received.includes('inventory.reservation_failed'), 'filtered by type')
  abort.abort()
  await reading

  // The Catalog page: events with their schemas, who published (the envelope's source) and who consumes.
  await running.model.sampler.update()
  const catalog = await (await fetch(`${running.url}/catalog`)).text()
  assert.match(catalog, /data-event="order\.created@1\.0"/)
  assert.match(catalog, /&#34;order_id&#34;/, "the payload's JSON Schema")
  const inventoryRow = catalog.slice(catalog.indexOf(`data-catalog-topic="${flow.topics[1]}"`)).split('</tr>')[0]!
  assert.match(inventoryRow, /tail-test/, 'published by the service that wrote its latest records')

  const path = await (await fetch(`${running.url}/trace?correlation=${correlationId}`)).text()
  assert.match(path, /2 event\(s\) with correlation id/)
  const order1 = path.indexOf('order.created@1.0')
  const reserved = path.indexOf('inventory.reserved@1.0')
  assert.ok(order1 > 0 && reserved > order1, 'oldest first, across topics')
})

test('an offset reset from the page: a plan, then applied to the stopped group; health badges from --health', async (t) => {
  const admin = testAdmin(t)
  const topic = await createTopic(t, 'console-reset', { partitions: 2 })
  const group = uniqueName('console-reset')
  const kafkit = createKafkit({ service: 'reset', catalog: [], client: { brokers: brokers() }, logger: silentLogger() })
  defer(t, () => kafkit.close())
  await kafkit.producer.sendRecords([0, 1, 0].map((partition) => ({ topic, partition, value: Buffer.from('x') })))
  await admin.alterConsumerGroupOffsets({
    groupId: group,
    topics: [
      {
        name: topic,
        partitionOffsets: [
          { partition: 0, offset: 2n },
          { partition: 1, offset: 1n },
        ],
      },
    ],
  })
  // A service reporting kafkit's health for the group, as the examples' /ready does.
  const service = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(
      JSON.stringify({
        status: 'ready',
        health: {
          service: 'billing',
          status: 'degraded',
          consumers: [{ group, status: 'degraded', reasons: ['lag 3 is above 1'] }],
        },
      }),
    )
  })
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  defer(t, () => service.close())
  const health = `http://127.0.0.1:${(service.address() as { port: number }).port}/ready`
  const running = await consoleFor(t, { allowWrites: true, healthUrls: [health] })
  await running.model.sampler.update()

  const groups = await (await fetch(`${running.url}/groups`)).text()
  const row = groups.slice(groups.indexOf(`data-group="${group}"`)).split('</tr>')[0]!
  assert.match(row, /class="badge degraded" title="billing: lag 3 is above 1"/)
  assert.match(row, /class="badge kafkit"/, 'a group whose service reports its health is a kafkit group')

  const headers = { ...form, origin: running.url }
  const plan = await http(`${running.url}/groups/${group}/reset`, {
    method: 'POST',
    headers,
    body: `topic=${topic}&to=earliest`,
  })
  assert.equal(plan.status, 200, plan.body)
  assert.match(plan.body, /Apply the reset/)
  const committed = async () =>
    (await admin.listConsumerGroupOffsets({ groups: [group] }))[0]!.topics[0]!.partitions.map((p) => p.committedOffset)
  assert.deepEqual(await committed(), [2n, 1n], 'planning changes nothing')
  const applied = await http(`${running.url}/groups/${group}/reset/apply`, {
    method: 'POST',
    headers,
    body: `topic=${topic}&to=earliest`,
  })
  assert.equal(applied.status, 303, applied.body)
  assert.deepEqual(await committed(), [0n, 0n])
  assert.match(await (await fetch(`${running.url}/groups/${group}`)).text(), /data-testid="total-lag">3</)
})

test("a replay from the console puts records on their topic partitioner's partition (fnv1a)", async (t) => {
  const failed = await topicWithFailures(t, 12, 6, 'fnv1a')
  const topic = defineTopic({ name: failed.topic, key: 'id', partitions: 6, partitioner: 'fnv1a' })
  const catalog = createCatalog([
    defineEvent({ type: 'job.failed', version: '1.0', topic, schema: z.object({ id: z.string() }) }),
  ])
  const running = await consoleFor(t, { allowWrites: true, catalog })
  const origin = { ...form, origin: running.url }
  const dlq = encodeURIComponent(failed.dlq)
  const dry = await http(`${running.url}/dlq/${dlq}/replay`, { method: 'POST', headers: origin, body: 'target=failed' })
  assert.equal(dry.status, 303, dry.body)
  const dryJob = String(dry.headers['location'])
  const state = async (job: string) =>
    (await (await fetch(`${running.url}${job}`)).text()).match(/data-testid="job-state">(\w+)/)?.[1]
  await waitFor(async () => (await state(dryJob)) === 'done', 'the dry run')
  const run = await http(`${running.url}${dryJob}/run`, { method: 'POST', headers: origin })
  assert.equal(run.status, 303, run.body)
  const runJob = String(run.headers['location'])
  await waitFor(async () => (await state(runJob)) === 'done', 'the replay')
  await assertReplayKeptPartitions(t, failed.topic, 12, 6)
})
