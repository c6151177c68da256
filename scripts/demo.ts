// npm run demo — the order system end to end, with nothing to configure: a local broker (or the
// cluster in KAFKA_BROKERS), the flow's topics, the three services as child processes, a few
// sample orders, and one line per event as it happens. Runs until Ctrl-C, then stops everything
// it started (the broker only if it started it).
//
// DEMO_PORT (default 8080): order-service port; inventory and notification use the next two.
// DEMO_CONSOLE_PORT (default 8090; 0 for any free port): the kafkit console.
// ORDER_SYSTEM_NAMESPACE (default shop): topic namespace. LOG_LEVEL: the services' level (warn).
import { randomUUID } from 'node:crypto'
import { createKafkit, createLogger, loadConfig, type ConsumedEvent, type Kafkit } from 'kafkit'
import { startConsole, type RunningConsole } from 'kafkit/console'
import { DEFAULT_NAMESPACE, orderFlow } from '../examples/order-system/flow.ts'
import { eventLine, logLine, paint } from './demo/flow.ts'
import { curlExample, INVALID_SAMPLE, orderState, postOrder, SAMPLES, settled, type Posted } from './demo/samples.ts'
import { choosePorts, portFree, SERVICES, startService, stopService, waitReady, type Child } from './demo/services.ts'
import { ensureKafka, stopKafka, type KafkaHandle } from './kafka/index.ts'

const say = (line: string) => console.log(`${paint('bold', '[demo]')} ${line}`)
const namespace = process.env['ORDER_SYSTEM_NAMESPACE'] || DEFAULT_NAMESPACE
const runId = randomUUID().slice(0, 4)

let broker: KafkaHandle | undefined
let watcher: Kafkit | undefined
let consoleServer: RunningConsole | undefined
const children: Child[] = []
let stopping = false

function basePort(): number {
  const value = process.env['DEMO_PORT'] ?? '8080'
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65533) {
    throw new Error(`DEMO_PORT must be a port number (0 for any free ports), e.g. 8080 (got ${value})`)
  }
  return port
}

async function startServices(bootstrap: string, configFile: string | undefined): Promise<Child> {
  const { ports, moved } = await choosePorts(basePort())
  if (moved) say(`ports ${basePort()}-${basePort() + 2} are taken; using free ones instead`)
  const env = {
    ...process.env,
    KAFKA_BROKERS: bootstrap,
    ORDER_SYSTEM_NAMESPACE: namespace,
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    // `npm run demo -- --config <file>` applies to the services too.
    ...(configFile && { KAFKIT_CONFIG: configFile }),
  }
  for (const name of SERVICES) {
    children.push(startService(name, { env, ports, onLog: (service, line) => console.log(logLine(service, line)) }))
  }
  say(`starting ${SERVICES.join(', ')} ...`)
  await Promise.all(children.map((child) => waitReady(child)))
  for (const child of children) say(`${child.name} ready (pid ${child.process.pid}, ${child.url})`)
  return children[0]!
}

/** A consumer of every flow topic that prints each event published since the demo started. */
async function watchFlow(kafkit: Kafkit, since: number): Promise<void> {
  const prefix = namespace === DEFAULT_NAMESPACE ? '' : `${namespace}.`
  const consumer = kafkit.consumer({ group: `${prefix}demo-event-flow` })
  consumer.on('*', (event: ConsumedEvent) => {
    if (Date.parse(event.timestamp) >= since) console.log(eventLine(event))
  })
  await consumer.start()
}

/** Posts each sample and waits until it settles, so that each order's events read as one block. */
async function postSamples(api: string): Promise<void> {
  const invalid = await postOrder(api, INVALID_SAMPLE, `demo-${runId}-invalid`)
  const issues = (invalid.body['issues'] as { field: string; message: string }[] | undefined) ?? []
  say(`an invalid order gets ${invalid.status}: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`)
  const posted: Posted[] = []
  for (const [i, sample] of SAMPLES.entries()) {
    const correlationId = `demo-${runId}-${i + 1}`
    say(`posting order ${i + 1}: ${sample.label} (correlation id ${correlationId})`)
    const reply = await postOrder(api, sample.body, correlationId)
    if (reply.status !== 201)
      throw new Error(`sample order ${i + 1} got ${reply.status}: ${JSON.stringify(reply.body)}`)
    const entry = { sample, orderId: reply.body['order_id'] as string, correlationId }
    posted.push(entry)
    await waitSettled(api, entry)
  }
  say('how the sample orders ended:')
  for (const p of posted) {
    const state = await orderState(api, p.orderId)
    const surprise = state.status === p.sample.expect ? '' : `  (expected ${p.sample.expect})`
    console.log(`    ${p.orderId}  ${state.status.padEnd(9)} ${state.reason ?? ''}${surprise}`.trimEnd())
  }
}

async function waitSettled(api: string, posted: Posted): Promise<void> {
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    if (settled(await orderState(api, posted.orderId))) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`order ${posted.orderId} did not reach its final state within 30 s (see the service output above)`)
}

/** The console on DEMO_CONSOLE_PORT (8090), or any free port when that one is taken; replays allowed (loopback only). */
async function serveConsole(
  catalog: ReturnType<typeof orderFlow>['catalog'],
  client: ReturnType<typeof loadConfig>['client'],
): Promise<RunningConsole> {
  const value = process.env['DEMO_CONSOLE_PORT'] ?? '8090'
  const wanted = Number(value)
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
    throw new Error(`DEMO_CONSOLE_PORT must be a port number (0 for any free port), e.g. 8090 (got ${value})`)
  }
  const port = wanted > 0 && !(await portFree(wanted)) ? 0 : wanted
  if (port !== wanted) say(`port ${wanted} is taken; the console uses a free one instead`)
  return startConsole({
    client,
    port,
    catalog,
    allowWrites: true,
    healthUrls: children.map((c) => `${c.url}/ready`),
  })
}

async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(1)
  stopping = true
  say('stopping the services (SIGTERM: drain, commit, flush) ...')
  await consoleServer?.close().catch(() => undefined)
  await watcher?.close().catch(() => undefined)
  const codes = await Promise.all(children.map((child) => stopService(child)))
  children.forEach((child, i) => say(`${child.name} exited with code ${codes[i]}`))
  if (broker?.started) {
    say('stopping the Kafka broker the demo started')
    await stopKafka({ mode: broker.mode, log: say })
  }
  say('stopped')
  process.exit(codes.every((c) => c === 0) ? code : 1)
}

async function main(): Promise<void> {
  const since = Date.now()
  broker = await ensureKafka({ log: say })
  say(
    `Kafka at ${broker.bootstrap} (${broker.started ? 'started for the demo' : broker.backend === 'external' ? 'KAFKA_BROKERS' : 'already running'})`,
  )
  const flow = orderFlow(namespace)
  // The same configuration as the services (security variables included), on the chosen brokers.
  const config = loadConfig({ env: { ...process.env, KAFKA_BROKERS: broker.bootstrap } })
  watcher = createKafkit({
    service: 'demo',
    catalog: flow.catalog,
    config,
    logger: createLogger({ name: 'demo', level: 'warn' }),
  })
  await watcher.connect()
  const report = await watcher.provision()
  say(`topics: ${flow.topics.join(', ')} and their DLQs (${report.created.length} created)`)
  const orderService = await startServices(broker.bootstrap, config.file)
  await watchFlow(watcher, since)
  say('the event flow, one line per event (time, service, type, order, correlation id):')
  await postSamples(orderService.url)
  say(`the order API is at ${orderService.url}/api/v1/orders — try:\n    ${curlExample(orderService.url)}`)
  say(
    `metrics (Prometheus format, kafkit_* and target_info): ${children.map((c) => `${c.url}/metrics`).join(' ')}` +
      `\n    traces and metrics also go to an OpenTelemetry collector when OTEL_EXPORTER_OTLP_ENDPOINT is set` +
      ` (see docs/observability.md)`,
  )
  consoleServer = await serveConsole(flow.catalog, config.client)
  say(
    `the kafkit console is at ${consoleServer.url} — topics, consumer groups and lag, the DLQ with replay, the catalog, tail`,
  )
  say('new events keep appearing above as they happen. Ctrl-C stops everything.')
}

process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))
// Children run in their own process groups: never leave them behind, whatever happens.
process.on('exit', () => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL')
})

main().catch(async (error: unknown) => {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`)
  await shutdown(1)
})
