// npm run bench [-- --quick] [--only=producer,consumer,latency,pool,memory,outbox,codec,transactions] [--cpu-prof] [--no-java]
// Measures kafkit against the raw client, kafkajs and Kafka's own tools on one broker, one
// measurement at a time, and writes bench/results/latest.md and latest.json.
import { ensureKafka, stopKafka, type KafkaHandle } from '../scripts/kafka/index.ts'
import { ensureRegistry, stopRegistry, type RegistryHandle } from '../scripts/registry/index.ts'
import { RunContext } from './lib/context.ts'
import { cpuPressure, currentLoad, environment } from './lib/env.ts'
import { javaToolsAvailable } from './lib/java.ts'
import { deleteTopics } from './lib/kafka.ts'
import { markdown, targets, writeResults, type Results } from './lib/report.ts'
import { COMMON, FULL, QUICK } from './lib/settings.ts'
import { codecScenario } from './scenarios/codec.ts'
import { consumerScenario } from './scenarios/consumer.ts'
import { latencyScenario } from './scenarios/latency.ts'
import { memoryScenario } from './scenarios/memory.ts'
import { outboxScenario } from './scenarios/outbox.ts'
import { poolScenario } from './scenarios/pool.ts'
import { producerScenario } from './scenarios/producer.ts'
import { transactionsScenario } from './scenarios/transactions.ts'

const SCENARIOS = ['producer', 'consumer', 'latency', 'pool', 'memory', 'outbox', 'codec', 'transactions'] as const
type Scenario = (typeof SCENARIOS)[number]

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',') as Scenario[] | undefined
const unknown = only?.filter((s) => !SCENARIOS.includes(s))
if (unknown?.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`)
  process.exit(2)
}
const selected = SCENARIOS.filter((s) => !only || only.includes(s))
const profileDir = args.includes('--cpu-prof') ? new URL('./results/profiles/', import.meta.url).pathname : undefined
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)

let handle: KafkaHandle | undefined
let registry: RegistryHandle | undefined
let ctx: RunContext | undefined

async function cleanup() {
  if (ctx) await deleteTopics(ctx.topics).catch((error: unknown) => log(`could not delete topics: ${String(error)}`))
  if (handle?.started) await stopKafka({ mode: handle.mode, log })
  if (registry?.started) await stopRegistry({ log })
}

process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))

async function main(): Promise<number> {
  const started = Date.now()
  const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`
  handle = await ensureKafka({ log })
  process.env['KAFKA_BROKERS'] = handle.bootstrap
  const env = environment(command, `${handle.backend} at ${handle.bootstrap}`)
  log(
    `${quick ? 'quick' : 'full'} run of ${selected.join(', ')}; load average ${env.loadBefore.join(' ')}, CPU pressure ${env.cpuPressureBefore ?? '?'} %`,
  )
  const java = !args.includes('--no-java') && javaToolsAvailable()
  if (!java) log('the Java tools are not run (--no-java, or no Java / Kafka jars)')
  const profile = quick ? QUICK : FULL
  ctx = new RunContext({ profile, bootstrap: handle.bootstrap, java, profileDir, log })
  const partial: Omit<Results, 'targets' | 'durationSeconds'> = { environment: env, profile, settings: COMMON }
  let failed = false
  const steps: Record<Scenario, (c: RunContext) => Promise<void>> = {
    producer: async (c) => void (partial.producer = await producerScenario(c)),
    consumer: async (c) => void (partial.consumer = await consumerScenario(c)),
    latency: async (c) => void (partial.latency = await latencyScenario(c)),
    pool: async (c) => void (partial.pool = await poolScenario(c)),
    memory: async (c) => void (partial.memory = await memoryScenario(c)),
    outbox: async (c) => void (partial.outbox = await outboxScenario(c)),
    transactions: async (c) => void (partial.transactions = await transactionsScenario(c)),
    codec: async (c) => {
      // The codec scenario needs a schema registry: SCHEMA_REGISTRY_URL, or the local one (started if needed).
      registry ??= await ensureRegistry({ log })
      partial.codec = await codecScenario(c, registry.url)
    },
  }
  const write = (unfinished: Scenario[]) => {
    env.loadAfter = currentLoad()
    env.cpuPressureAfter = cpuPressure()
    const base = { ...partial, durationSeconds: (Date.now() - started) / 1000, unfinished }
    const results: Results = { ...base, targets: targets(base) }
    return { results, files: writeResults(results, new URL('./results/', import.meta.url)) }
  }
  for (const [i, scenario] of selected.entries()) {
    try {
      await steps[scenario](ctx)
    } catch (error) {
      failed = true
      log(`${scenario} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    }
    // Topics of a scenario go as soon as it ends: the broker's disk and page cache stay small.
    await deleteTopics(ctx.topics.splice(0)).catch(() => undefined)
    // A long run that is cut short still leaves the figures of the scenarios it finished.
    if (i < selected.length - 1) write(selected.slice(i + 1))
  }
  const { results, files } = write([])
  console.log(`\n${markdown(results)}`)
  log(`written ${files.md} and ${files.json}`)
  return failed ? 1 : 0
}

let code = 1
try {
  code = await main()
} catch (error) {
  console.error(error)
} finally {
  await cleanup()
}
process.exit(code)
