// npm run cmd:producer -- [--count N] [--interval-ms MS] [--poison-every K]
// Publishes N messages (default 10) to KAFKA_PRODUCER_TOPIC and exits once every one is
// acknowledged. Every K-th message is "poison": the consumer's processing always fails on it, so
// it travels through the retries and retry topics into the DLQ.
import { parseArgs } from 'node:util'
import { ConfigError, createKafkit, loadConfig, newEventId } from 'kafkit'
import { DEFAULT_TOPIC, messageCatalog } from './message.ts'

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10' },
    'interval-ms': { type: 'string', default: '0' },
    'poison-every': { type: 'string', default: '0' },
    config: { type: 'string' },
  },
})

function count(name: string, value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number >= 0 (got ${value}), e.g. --${name} 10`)
    process.exit(2)
  }
  return n
}

async function run(): Promise<void> {
  const total = count('count', values.count)
  const interval = count('interval-ms', values['interval-ms'])
  const poisonEvery = count('poison-every', values['poison-every'])
  const config = loadConfig({ defaults: { client: { clientId: 'cmd-producer' } } })
  const topicName = config.tools.producerTopic ?? DEFAULT_TOPIC
  const { MessageCreated, catalog } = messageCatalog(topicName, config)
  const kafkit = createKafkit({ service: 'cmd-producer', catalog, config })
  try {
    await kafkit.connect()
    await kafkit.provision()
    const sends: Promise<unknown>[] = []
    for (let sequence = 1; sequence <= total; sequence++) {
      const poison = poisonEvery > 0 && sequence % poisonEvery === 0
      const payload = { id: newEventId(), content: poison ? 'poison: always fails' : `message ${sequence}`, sequence }
      sends.push(
        kafkit.publish(MessageCreated, payload).then((result) => {
          kafkit.logger.info(
            { id: payload.id, sequence, poison, partition: result.partition, offset: String(result.offset) },
            'message produced',
          )
        }),
      )
      if (interval > 0) await new Promise((resolve) => setTimeout(resolve, interval))
    }
    await Promise.all(sends)
    kafkit.logger.info({ topic: topicName, count: total }, 'all messages acknowledged')
  } finally {
    await kafkit.close()
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(error instanceof ConfigError ? 2 : 1)
})
