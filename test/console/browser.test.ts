// The console in a real headless Chromium against the real broker: the overview lists the demo's
// topics; a group's lag rises while its consumer is stopped and falls when it restarts; a poison
// record appears in the DLQ view with its bytes; a replay from the page reaches the failing group
// only, once. KAFKIT_CONSOLE_SCREENSHOTS=1 writes the screenshots of docs/console.md.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { test, type TestContext } from 'node:test'
import type { Page } from 'playwright-core'
import { createKafkit, NonRetryableError, silentLogger } from 'kafkit'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { startConsole } from '../../src/console/index.ts'
import { launchBrowser, newPage, requireChromium } from '../support/browser.ts'
import { brokers, defer, deleteAfter, testAdmin, uniqueName, waitFor } from '../support/kafka.ts'

const SHOTS = process.env['KAFKIT_CONSOLE_SCREENSHOTS'] === '1'

async function shot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: false })
  assert.ok(png.length > 1000, 'a screenshot was taken')
  if (SHOTS) writeFileSync(new URL(`../../docs/console/${name}.png`, import.meta.url), png)
}

async function flowWithConsole(t: TestContext, allowWrites: boolean) {
  const flow = orderFlow(uniqueName('console'))
  deleteAfter(t, () => flow.topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const kafkit = createKafkit({
    service: 'console-test',
    catalog: flow.catalog,
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const running = await startConsole({
    client: { brokers: brokers() },
    port: 0,
    allowWrites,
    catalog: flow.catalog,
    refreshInterval: 500,
  })
  defer(t, () => running.close())
  return { flow, kafkit, url: running.url }
}

function order(id: string) {
  return { order_id: id, customer_id: 'c-1', items: [{ product_id: 'p-1', quantity: 1, price: 5 }], total: 5 }
}

/** The number shown in an element, as the page updates it. */
async function shownNumber(page: Page, selector: string): Promise<number> {
  return Number((await page.locator(selector).first().textContent())?.replace(/,/g, ''))
}

test('the overview lists the demo topics; a group lag rises while its consumer is stopped and falls after', async (t) => {
  if (!requireChromium(t)) return
  const { flow, kafkit, url } = await flowWithConsole(t, false)
  const browser = await launchBrowser(t)
  const page = await newPage(browser)
  const requested: string[] = []
  page.on('request', (r) => void requested.push(r.url()))

  await page.goto(`${url}/?q=${flow.namespace}`)
  for (const topic of flow.topics) {
    await page.locator(`tr[data-topic="${topic}"] .badge.catalog`).waitFor()
    await page.locator(`tr[data-topic="${topic}.dlq"] .badge.dlq`).waitFor()
  }
  assert.equal(await page.locator('[data-testid="mode"]').textContent(), 'read-only')
  await shot(page, 'overview')

  const group = uniqueName('console-lag')
  const handled: string[] = []
  const start = async () => {
    const consumer = kafkit.consumer({ group, commitInterval: 100 })
    consumer.on(flow.OrderCreated, (event) => void handled.push(event.payload.order_id))
    await consumer.start()
    return consumer
  }
  let consumer = await start()
  await kafkit.publish(flow.OrderCreated, order('o-0'))
  await waitFor(() => handled.length === 1, 'the first order handled')
  await consumer.stop()

  await page.goto(`${url}/groups/${group}`)
  // One order's events: one partition, the one the group has committed on (like Kafka's own tools,
  // the console counts lag only where the group has a committed offset).
  for (let i = 1; i <= 6; i++) await kafkit.publish(flow.OrderCreated, order('o-0'))
  await waitFor(async () => (await shownNumber(page, '[data-testid="total-lag"]')) === 6, 'the page to show a lag of 6')
  assert.equal(await page.locator('[data-testid="state"]').textContent(), 'Empty')

  consumer = await start()
  defer(t, () => consumer.stop())
  await waitFor(
    async () => (await shownNumber(page, '[data-testid="total-lag"]')) === 0,
    'the page to show the lag back to 0',
  )
  assert.equal(handled.length, 7)
  assert.equal(await page.locator('[data-testid="state"]').textContent(), 'Stable')
  // The chart drew the rise and the fall.
  const chart = page.locator('svg.chart')
  await waitFor(async () => (await chart.getAttribute('data-last')) === '0', 'the chart to end at 0')
  assert.equal(await chart.getAttribute('data-max'), '6')
  await shot(page, 'group')

  await page.goto(`${url}/groups`)
  await page.locator(`tr[data-group="${group}"] .badge.kafkit`).waitFor()
  // Every asset and live update came from the console itself.
  assert.ok(requested.some((u) => u.endsWith('/assets/console.js')))
  assert.deepEqual(
    requested.filter((u) => !u.startsWith(url)),
    [],
  )
})

test('a poison record shows in the DLQ view; a replay from the page reaches the failing group only, once', async (t) => {
  if (!requireChromium(t)) return
  const { flow, kafkit, url } = await flowWithConsole(t, true)
  const failing = uniqueName('console-failing')
  const healthy = uniqueName('console-healthy')
  let fixed = false
  const byFailing: { id: string; replayed: boolean }[] = []
  const byHealthy: string[] = []
  const a = kafkit.consumer({ group: failing, commitInterval: 100 })
  a.on(flow.OrderCreated, (event, ctx) => {
    if (!fixed && event.payload.order_id === 'o-bad') throw new NonRetryableError('warehouse unreachable')
    byFailing.push({ id: event.payload.order_id, replayed: ctx.headers.has('kafkit-replay-group') })
  })
  const b = kafkit.consumer({ group: healthy, commitInterval: 100 })
  b.on(flow.OrderCreated, (event) => void byHealthy.push(event.payload.order_id))
  await Promise.all([a.start(), b.start()])
  defer(t, () => Promise.all([a.stop(), b.stop()]))

  const orders = flow.topics[0]!
  await kafkit.producer.sendRecords([{ topic: orders, key: 'poison', value: Buffer.from('{"not": "an envelope"') }])
  const bad = await kafkit.publish(flow.OrderCreated, order('o-bad'))
  await kafkit.publish(flow.OrderCreated, order('o-good'))
  await waitFor(() => byHealthy.length === 2, 'the healthy group handled both orders')

  const browser = await launchBrowser(t)
  const page = await newPage(browser)
  const dlq = `${orders}.dlq`
  await page.goto(`${url}/dlq/${dlq}`)
  // Both groups dead-lettered the poison; the failing group also failed o-bad.
  await waitFor(async () => (await shownNumber(page, '[data-testid="matching"]')) === 3, 'three failures shown')
  await page.locator('.facets a', { hasText: 'KAFKIT_DECODE_FAILED' }).waitFor()
  await shot(page, 'dlq')

  await page.locator('.facets a', { hasText: 'KAFKIT_DECODE_FAILED' }).click()
  await page.locator('tr[data-offset] a').first().click()
  await page.locator('[data-testid="hex"]').waitFor()
  assert.match((await page.locator('[data-testid="hex"]').textContent()) ?? '', /7b 22 6e 6f 74 22.*\{"not": "an env/)
  assert.match((await page.locator('[data-field="error code"]').textContent()) ?? '', /KAFKIT_DECODE_FAILED/)
  await shot(page, 'record')

  // The handler is fixed; replay o-bad from its record page: a dry run first, then the replay.
  fixed = true
  await page.goto(`${url}/dlq/${dlq}?event=${bad.eventId}`)
  await page.locator(`tr[data-event-id="${bad.eventId}"] a`).click()
  await page.locator('[data-testid="envelope"]').waitFor()
  await page.getByRole('button', { name: /Replay this record/ }).click()
  await waitFor(async () => (await page.locator('[data-testid="job-state"]').textContent()) === 'done', 'the dry run')
  assert.equal(await page.locator('[data-testid="planned"]').textContent(), '1')
  assert.match((await page.locator('td.ok').textContent()) ?? '', /has read the topic/)
  await shot(page, 'replay-dry-run')
  const dryRunUrl = page.url()
  await page.locator('[data-testid="replay-now"]').click()
  await waitFor(async () => (await page.locator('[data-testid="job-state"]').textContent()) === 'done', 'the replay')
  assert.equal(await page.locator('[data-testid="sent"]').textContent(), '1')
  const replayUrl = page.url()

  // Pressing the button again (a second tab, a reload) shows the same replay; nothing is sent twice.
  await page.goto(dryRunUrl)
  await page.locator('[data-testid="replay-now"]').click()
  assert.equal(page.url(), replayUrl)

  await waitFor(() => byFailing.some((h) => h.id === 'o-bad' && h.replayed), 'the failing group handled the replay')
  // The healthy group reads past the replayed record (its commits reach the end) without handling it.
  const admin = testAdmin(t)
  const partitions = Array.from({ length: 6 }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }))
  await waitFor(async () => {
    const [end] = await admin.listOffsets({ topics: [{ name: orders, partitions }] })
    const total = end!.partitions.reduce((s, p) => s + p.offset, 0n)
    const groups = await admin.listConsumerGroupOffsets({ groups: [healthy, failing] })
    return groups.every(
      (g) => g.topics.find((x) => x.name === orders)?.partitions.reduce((s, p) => s + p.committedOffset, 0n) === total,
    )
  }, 'both groups committed past the replayed record')
  assert.deepEqual(byHealthy.sort(), ['o-bad', 'o-good'], 'the healthy group never handled the replay')
  assert.equal(byFailing.filter((h) => h.id === 'o-bad').length, 1, 'the failing group handled o-bad once')
})
