// npm run test:faults: the fault suite. Starts a private three-broker cluster (its own KAFKIT_HOME and
// ports, so the machine's broker is never touched), runs test/faults/*.fault.ts one file at a time
// (they kill, pause and restart brokers), prints each test's figures as a table, stops the cluster.
// Extra arguments are fault files to run instead of all, or node --test flags (--test-name-pattern=…);
// --keep leaves the cluster and its files.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureKafka, freeClusterBase, KAFKA_VERSION, privateHome, stopKafka } from './kafka/index.ts'

const log = (line: string) => console.log(`[faults] ${line}`)
const args = process.argv.slice(2)
const keep = args.includes('--keep')
const chosen = args.filter((a) => !a.startsWith('--'))
const flags = args.filter((a) => a.startsWith('--') && a !== '--keep')
const files =
  chosen.length > 0
    ? chosen
    : readdirSync('test/faults')
        .filter((f) => f.endsWith('.fault.ts'))
        .sort()

const started = Date.now()
log(`Node ${process.version}, Kafka ${KAFKA_VERSION}; ${files.length} fault file(s)`)
const home = privateHome('kafkit-faults-')
const results = join(home, 'results.jsonl')
process.env['KAFKIT_HOME'] = home
process.env['KAFKIT_KAFKA_CLUSTER_PORT'] = String(await freeClusterBase())
delete process.env['KAFKA_BROKERS']

let stopping = false
async function cleanup() {
  if (stopping) return
  stopping = true
  if (keep)
    return log(
      `kept the cluster: KAFKIT_HOME=${home} KAFKIT_KAFKA_CLUSTER_PORT=${process.env['KAFKIT_KAFKA_CLUSTER_PORT']}`,
    )
  await stopKafka({ mode: 'cluster', log })
  rmSync(home, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void cleanup().finally(() => process.exit(130)))
}

function run(nodeArgs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, nodeArgs, { stdio: 'inherit', env })
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
}

/** The figures every test reported, one table per test. */
function summary(): string {
  if (!existsSync(results)) return '(no figures reported)'
  const lines = readFileSync(results, 'utf8').split('\n').filter(Boolean)
  return lines
    .map((line) => {
      const { test, figures } = JSON.parse(line) as { test: string; figures: Record<string, unknown> }
      const rows = Object.entries(figures).map(([name, value]) => `    ${name}: ${JSON.stringify(value)}`)
      return [`  ${test}`, ...rows].join('\n')
    })
    .join('\n')
}

let code = 1
try {
  const cluster = await ensureKafka({ mode: 'cluster', log })
  log(`cluster up at ${cluster.bootstrap} in ${Math.round((Date.now() - started) / 1000)} s (KAFKIT_HOME ${home})`)
  code = await run(
    [
      '--conditions=kafkit-source',
      '--test',
      '--test-concurrency=1',
      '--test-timeout=900000',
      '--test-force-exit',
      ...flags,
      ...files.map((f) => (f.includes('/') ? f : join('test/faults', f))),
    ],
    {
      ...process.env,
      KAFKA_BROKERS: cluster.bootstrap,
      KAFKIT_TEST_BACKEND: cluster.backend,
      KAFKIT_FAULT_RESULTS: results,
      ...(cluster.secured && {
        KAFKIT_FAULT_SASL_SSL: cluster.secured.saslSsl,
        KAFKIT_FAULT_CA: cluster.secured.caFile,
      }),
    },
  )
  log(`figures:\n${summary()}`)
} catch (err) {
  console.error(`[faults] ${err instanceof Error ? err.message : String(err)}`)
  for (const node of [1, 2, 3]) {
    const file = join(home, 'run', 'cluster', `node-${node}`, 'kafka.log')
    if (!existsSync(file)) continue
    const errors = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /ERROR|FATAL|Exception/.test(line))
    if (errors.length > 0) console.error(`[faults] broker ${node} errors:\n${errors.slice(-10).join('\n')}`)
  }
} finally {
  await cleanup()
}
log(`${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`)
process.exit(code)
