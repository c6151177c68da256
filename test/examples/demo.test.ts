// npm run demo as a user runs it (here against the test broker through KAFKA_BROKERS, on a private
// topic namespace and free ports): services come up, the sample orders flow with one line per
// event, and Ctrl-C (SIGINT) stops every child process cleanly.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { orderFlow } from '../../examples/order-system/flow.ts'
import { repoRoot } from '../support/process.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test('the demo runs the flow, prints a line per event, and stops cleanly on Ctrl-C', async (t) => {
  const namespace = uniqueName('demo-test')
  deleteAfter(t, () => orderFlow(namespace).topics.flatMap((topic) => [topic, `${topic}.dlq`]))
  const env = {
    ...process.env,
    KAFKA_BROKERS: brokers().join(','),
    ORDER_SYSTEM_NAMESPACE: namespace,
    DEMO_PORT: '0',
    DEMO_CONSOLE_PORT: '0',
  }
  const demo = spawn(process.execPath, ['--conditions=kafkit-source', 'scripts/demo.ts'], { cwd: repoRoot, env })
  let out = ''
  demo.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  demo.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)))
  defer(t, () => demo.kill('SIGKILL'))

  await waitFor(() => out.includes('Ctrl-C stops everything') || demo.exitCode !== null, 'the demo to be up', {
    timeoutMs: 120_000,
  })
  assert.equal(demo.exitCode, null, out)
  assert.match(out, /Kafka at .* \(KAFKA_BROKERS\)/)
  assert.match(out, /an invalid order gets 400: customer_id .*; items\[0\]\.quantity/)

  const flowLines = out.split('\n').filter((l) => / corr demo-\w+-\d /.test(l))
  const byOrder = new Map<string, string[]>()
  for (const line of flowLines) {
    const [, type, corr] = /\s(\S+\.\S+)\s+order \S+\s+corr (demo-\w+-\d)/.exec(line) ?? []
    byOrder.set(corr!, [...(byOrder.get(corr!) ?? []), type!])
  }
  assert.equal(byOrder.size, 5, flowLines.join('\n'))
  const flows = [...byOrder.values()].map((types) => types.sort().join(' '))
  const good = 'inventory.reserved notification.sent order.created'
  const bad = 'inventory.reservation_failed notification.sent order.created'
  assert.deepEqual(flows, [good, bad, good, bad, bad])
  const summary = out.slice(out.indexOf('how the sample orders ended:')).split('\n').slice(1, 6)
  assert.deepEqual(
    summary.map((l) => l.trim().split(/\s+/).slice(1).join(' ')),
    ['notified', 'rejected insufficient_stock', 'notified', 'rejected insufficient_stock', 'rejected unknown_product'],
  )
  assert.match(out, /the order API is at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/orders/)
  // Where the metrics are: each service's /metrics, with kafkit's own there.
  const metricsUrls = out.match(/metrics \(Prometheus format[^:]*: (.*)/)?.[1]?.split(' ') ?? []
  assert.equal(metricsUrls.length, 3, out)
  // The order service publishes through its outbox: the relay's metrics.
  assert.match(await (await fetch(metricsUrls[0]!)).text(), /kafkit_outbox_relayed_total\{/)
  assert.match(await (await fetch(metricsUrls[1]!)).text(), /kafkit_producer_published_total\{/)

  // The console serves the flow's topics next to the services.
  const consoleUrl = /the kafkit console is at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
  assert.ok(consoleUrl, out)
  await waitFor(async () => {
    const page = await (await fetch(consoleUrl)).text()
    return orderFlow(namespace).topics.every((topic) => page.includes(`data-topic="${topic}"`))
  }, "the console's overview to list the flow's topics")

  const pids = [...out.matchAll(/ready \(pid (\d+),/g)].map((m) => Number(m[1]))
  assert.equal(pids.length, 3)
  demo.kill('SIGINT')
  assert.equal(await exited, 0, out.slice(-3000))
  for (const name of ['order-service', 'inventory-service', 'notification-service']) {
    assert.match(out, new RegExp(`${name} exited with code 0`))
  }
  assert.ok(
    pids.every((pid) => !alive(pid)),
    'no service process is left',
  )
  assert.ok(!out.includes('stopping the Kafka broker'), 'a broker it did not start is left running')
})
