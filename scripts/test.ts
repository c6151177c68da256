// npm test: prints the runtime, brings up Kafka unless KAFKA_BROKERS is set, runs node:test, stops
// what it started. Extra arguments are test files or node --test flags. The full run also
// type-checks, lints, checks formatting and enforces the src/ line-coverage floor (test-args.ts).
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { ensureKafka, KAFKA_VERSION, stopKafka, type KafkaHandle } from './kafka/index.ts'
import { ensureRegistry, stopRegistry, testsNeedRegistry, type RegistryHandle } from './registry/index.ts'
import { COVERAGE_FLOOR, nodeTestArgs, parseTestArgs } from './test-args.ts'

const log = (line: string) => console.log(`[test] ${line}`)

const args = process.argv.slice(2)
const testRun = parseTestArgs(args)
const { files } = testRun

log(`Node ${process.version} (${process.execPath}), Kafka ${KAFKA_VERSION}`)

let handle: KafkaHandle | undefined
let registry: RegistryHandle | undefined
let stopping = false

async function cleanup() {
  if (stopping) return
  stopping = true
  if (handle?.started) {
    log('stopping the Kafka broker this run started')
    await stopKafka({ mode: handle.mode, log })
  }
  if (registry?.started) {
    log('stopping the schema registry this run started')
    await stopRegistry({ log })
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130))
  })
}

/** The full run also type-checks, lints and checks formatting, so that CI gates them; a run of chosen files does not. */
async function staticChecks(): Promise<number> {
  for (const [name, bin, binArgs] of [
    ['typecheck', 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json']],
    ['lint', 'node_modules/eslint/bin/eslint.js', ['.']],
    ['format', 'node_modules/prettier/bin/prettier.cjs', ['--check', '--log-level=warn', '.']],
  ] as const) {
    const started = Date.now()
    const code = await run(process.execPath, [bin, ...binArgs], process.env)
    if (code !== 0) {
      console.error(`[test] ${name} failed`)
      return code
    }
    log(`${name} passed (${Date.now() - started} ms)`)
  }
  return 0
}

function run(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(command, commandArgs, { stdio: 'inherit', env })
  return new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
}

async function main(): Promise<number> {
  if (files.length === 0 && !args.includes('--no-static')) {
    const code = await staticChecks()
    if (code !== 0) return code
  }
  try {
    // The registry (a JVM too) starts beside a local Kafka rather than after it; a KAFKA_BROKERS
    // cluster is probed first (seconds), so that a wrong address fails the run before anything starts.
    const registryLog = (line: string) => log(`registry: ${line}`)
    const kafkaReady = ensureKafka({ log })
    const after = process.env['KAFKA_BROKERS']?.trim() ? kafkaReady : Promise.resolve()
    const [kafka, schemas] = await Promise.allSettled([
      kafkaReady,
      testsNeedRegistry(files) ? after.then(() => ensureRegistry({ log: registryLog })) : undefined,
    ])
    // Kept even when the other failed, so that cleanup stops what did start.
    if (schemas.status === 'fulfilled') registry = schemas.value
    if (kafka.status === 'fulfilled') handle = kafka.value
    for (const result of [kafka, schemas]) if (result.status === 'rejected') throw result.reason
  } catch (err) {
    console.error(`[test] ${err instanceof Error ? err.message : String(err)}`)
    return 1
  }
  if (!handle) return 1
  log(`Kafka at ${handle.bootstrap} (${handle.backend}${handle.started ? ', started for this run' : ', reused'})`)
  if (registry) log(`schema registry at ${registry.url} (${registry.started ? 'started for this run' : 'reused'})`)
  const concurrency = Number(process.env['KAFKIT_TEST_CONCURRENCY'] ?? Math.max(2, availableParallelism()))
  const nodeArgs = nodeTestArgs(testRun, concurrency)
  if (testRun.coverage) log(`measuring src/ line coverage (floor ${COVERAGE_FLOOR.lines} %; --no-coverage skips it)`)
  return run(process.execPath, nodeArgs, {
    ...process.env,
    KAFKA_BROKERS: handle.bootstrap,
    KAFKIT_TEST_BACKEND: handle.backend,
    ...(registry ? { SCHEMA_REGISTRY_URL: registry.url } : {}),
  })
}

const code = await main()
await cleanup()
process.exit(code)
