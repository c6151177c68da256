// npm run kafka:start | kafka:stop | kafka:status  [--brokers 3] [--clean]
import { parseArgs } from 'node:util'
import { ensureKafka, kafkaStatus, KafkaSetupError, stopKafka, type Mode } from './kafka/index.ts'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    brokers: { type: 'string', default: '1' },
    clean: { type: 'boolean', default: false },
  },
})
const command = positionals[0] ?? 'status'
const log = (line: string) => console.log(`[kafka] ${line}`)

function modeOf(brokers: string): Mode {
  if (brokers === '1') return 'single'
  if (brokers === '3') return 'cluster'
  throw new KafkaSetupError(`--brokers must be 1 or 3 (got ${brokers})`)
}

async function main() {
  const mode = modeOf(values.brokers)
  const external = process.env['KAFKA_BROKERS']?.trim()
  switch (command) {
    case 'start': {
      if (external) log(`KAFKA_BROKERS is set: using ${external}, starting nothing`)
      const handle = await ensureKafka({ mode, log })
      log(`${handle.started ? 'started' : 'already running'}: KAFKA_BROKERS=${handle.bootstrap} (${handle.backend})`)
      if (handle.secured) {
        const s = handle.secured
        log(`  SASL_PLAINTEXT ${s.saslPlaintext}, SSL ${s.ssl}, SASL_SSL ${s.saslSsl}; CA certificate ${s.caFile}`)
      }
      return 0
    }
    case 'stop': {
      if (external) {
        log(`KAFKA_BROKERS is set (${external}): that cluster is not ours to stop`)
        return 0
      }
      const stopped = await stopKafka({ mode, clean: values.clean, log })
      if (!stopped) log('no local Kafka was running')
      return 0
    }
    case 'status': {
      const status = await kafkaStatus(mode)
      const where = status.external ? 'KAFKA_BROKERS' : `local ${mode}`
      log(`${where}: ${status.bootstrap}`)
      for (const node of status.nodes) {
        log(`  broker ${node.id}: ${node.pid ? `running, pid ${node.pid}` : 'not running'}; log ${node.log}`)
      }
      log(
        status.answer.ok
          ? `answering: ${status.answer.brokers} broker(s) in metadata`
          : `not answering: ${status.answer.error ?? 'no answer'}`,
      )
      return status.answer.ok ? 0 : 1
    }
    default:
      throw new KafkaSetupError(`unknown command "${command}": use start, stop or status`)
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[kafka] ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
