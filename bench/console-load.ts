// npm run console:load — the console against a cluster of 1,000 topics and a DLQ of 100,000
// failure records: how long the first sample and the DLQ index take, each page's response time
// (median and worst of 10), and the console's memory. A private broker (own KAFKIT_HOME, free
// ports) is started and removed, so the shared one is not loaded; KAFKA_BROKERS uses a cluster
// instead (the topics it creates are deleted at the end).
//   npm run console:load -- [--topics 1000] [--failures 100000]
import { rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Admin } from '@platformatic/kafka'
import { Producer, silentLogger } from 'kafkit'
import { buildDeadLetterRecord } from 'kafkit/dlq'
import { resolveConsoleOptions } from '../src/console/options.ts'
import { serveConsole } from '../src/console/server.ts'
import { isolatedEnv } from '../test/support/isolated-broker.ts'
import { runScript } from '../test/support/process.ts'

const { values } = parseArgs({
  options: { topics: { type: 'string', default: '1000' }, failures: { type: 'string', default: '100000' } },
})
const TOPICS = Number(values.topics)
const FAILURES = Number(values.failures)
const say = (line: string) => console.log(`[console-load] ${line}`)
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`

async function broker(): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  if (process.env['KAFKA_BROKERS']) return { bootstrap: process.env['KAFKA_BROKERS'], stop: () => Promise.resolve() }
  const { env, home, port } = await isolatedEnv()
  const started = await runScript(['scripts/kafka.ts', 'start'], env, 300_000)
  if (started.code !== 0) throw new Error(`the private broker did not start:\n${started.stdout}\n${started.stderr}`)
  return {
    bootstrap: `127.0.0.1:${port}`,
    stop: async () => {
      await runScript(['scripts/kafka.ts', 'stop'], env).catch(() => undefined)
      rmSync(home, { recursive: true, force: true })
    },
  }
}

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await f()
  say(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return result
}

const kafka = await broker()
const client = { brokers: [kafka.bootstrap] }
const admin = new Admin({ clientId: 'console-load', bootstrapBrokers: client.brokers })
const prefix = `load-${Date.now().toString(36)}`
const names = Array.from({ length: TOPICS }, (_, i) => `${prefix}.t${String(i).padStart(4, '0')}.v1`)
const dlq = `${prefix}.orders.v1.dlq`
try {
  await timed(`creating ${TOPICS} topics and the DLQ`, async () => {
    for (let i = 0; i < names.length; i += 100)
      await admin.createTopics({ topics: names.slice(i, i + 100), partitions: 1, replicas: 1 })
    await admin.createTopics({ topics: [dlq], partitions: 3, replicas: 1 })
    for (;;) {
      const metadata = await admin.metadata({ topics: [dlq, names.at(-1)!], forceUpdate: true }).catch(() => undefined)
      if (metadata?.topics.get(dlq)?.partitions.every((p) => p.leader >= 0)) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })
  const producer = new Producer({ client, service: 'console-load', logger: silentLogger(), telemetry: false })
  await timed(`writing ${FAILURES.toLocaleString('en-US')} failure records`, async () => {
    const codes = ['KAFKIT_PAYLOAD_INVALID', 'KAFKIT_HANDLER_FAILED', 'KAFKIT_DECODE_FAILED', 'KAFKIT_NON_RETRYABLE']
    const types = ['order.created', 'order.paid', 'inventory.reserved', 'notification.sent', 'payment.failed']
    const now = Date.now()
    for (let i = 0; i < FAILURES; i += 2000) {
      const records = Array.from({ length: Math.min(2000, FAILURES - i) }, (_, j) => {
        const n = i + j
        const value = Buffer.from(
          JSON.stringify({ id: `e-${n}`, type: types[n % types.length], payload: { order_id: `o-${n}`, total: n } }),
        )
        const message = buildDeadLetterRecord({
          topic: `${prefix}.orders.v1`,
          partition: n % 3,
          offset: n,
          timestamp: new Date(now - (FAILURES - n) * 1000),
          key: `o-${n}`,
          value,
          headers: { 'kafkit-event-type': types[n % types.length]! },
          group: `group-${n % 7}`,
          service: 'load',
          eventId: `e-${n}`,
          eventType: types[n % types.length],
          error: Object.assign(new Error(`failure ${n}`), { code: codes[n % codes.length] }),
          attempts: 3,
          firstFailure: new Date(now - (FAILURES - n) * 1000),
          lastFailure: new Date(now - (FAILURES - n) * 1000),
          includeValue: true,
        })
        return {
          topic: dlq,
          partition: n % 3,
          key: message.key,
          value: message.value,
          headers: message.headers,
        }
      })
      await producer.sendRecords(records)
    }
  })
  await producer.close()

  const before = process.memoryUsage()
  const running = await serveConsole(resolveConsoleOptions({ client, port: 0, refreshInterval: 5_000 }))
  const { url, model } = running
  await timed('first sample (topics, groups)', () => model.sampler.next())
  await timed('DLQ index complete', async () => {
    while (!(model.dlqs.get(dlq)?.complete && model.dlqs.get(dlq)!.size >= FAILURES)) await model.sampler.refresh()
  })
  global.gc?.()
  const after = process.memoryUsage()
  say(
    `sample took ${model.sample?.tookMs.toFixed(0)} ms; ${model.dlqs.get(dlq)?.size.toLocaleString('en-US')} failures indexed`,
  )
  say(`memory: rss ${mb(after.rss)} (+${mb(after.rss - before.rss)} for the console), heap used ${mb(after.heapUsed)}`)

  const first = model.dlqs.get(dlq)!.query({}, { limit: 1 })[0]!
  const pages = [
    [`overview (${TOPICS.toLocaleString('en-US')} topics)`, '/'],
    ['overview filtered', `/?q=${prefix}.t09`],
    ['consumer groups', '/groups'],
    ['DLQ list', '/dlq'],
    [`DLQ topic (${FAILURES.toLocaleString('en-US')} failures)`, `/dlq/${dlq}`],
    ['DLQ filtered by type and code', `/dlq/${dlq}?type=order.*&code=KAFKIT_HANDLER_FAILED`],
    ['DLQ record', `/dlq/${dlq}/${first.partition}/${first.offset}`],
    ['live fragment of the DLQ page', `/dlq/${dlq}`, 'live'],
  ] as const
  console.log('\n| page | median ms | worst ms | bytes |\n| --- | ---: | ---: | ---: |')
  for (const [label, path, fragment] of pages) {
    const times: number[] = []
    let size = 0
    for (let i = 0; i < 10; i++) {
      const started = performance.now()
      const response = await fetch(`${url}${path}`, { headers: fragment ? { 'x-kafkit-fragment': fragment } : {} })
      const body = await response.text()
      if (!response.ok) throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`)
      times.push(performance.now() - started)
      size = body.length
    }
    times.sort((a, b) => a - b)
    console.log(`| ${label} | ${times[5]!.toFixed(0)} | ${times[9]!.toFixed(0)} | ${size.toLocaleString('en-US')} |`)
  }
  await running.close()
} finally {
  await admin.deleteTopics({ topics: [...names, dlq] }).catch(() => undefined)
  await admin.close()
  await kafka.stop()
}
