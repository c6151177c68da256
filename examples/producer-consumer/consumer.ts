// npm run cmd:consumer
// Consumes KAFKA_CONSUMER_TOPIC in group KAFKA_CONSUMER_GROUP_ID with KAFKA_CONSUMER_WORKERS
// workers (order kept per key). A message whose processing fails is retried in-process
// (KAFKA_CONSUMER_RETRY_MAX deliveries), then on retry topics (KAFKA_CONSUMER_RETRY_TOPICS, default
// one 5 s tier), then written to the DLQ (KAFKA_DLQ_TOPIC). SIGTERM / SIGINT: drain, commit, exit.
import { ConfigError, createKafkit, loadConfig, stopOnSignals, type ConsumedEvent } from 'kafkit'
import { DEFAULT_TOPIC, messageCatalog } from './message.ts'

/** The seed's message processor: here it fails on poison messages, as a bug would. */
function processMessage(message: ConsumedEvent<{ content: string }>): void {
  if (message.payload.content.startsWith('poison')) throw new Error(`cannot process message ${message.id}`)
}

async function run(): Promise<void> {
  const config = loadConfig({
    defaults: { client: { clientId: 'cmd-consumer' }, consumer: { group: 'event-processor-group' } },
  })
  const topicName = config.tools.consumerTopic ?? DEFAULT_TOPIC
  const { MessageCreated, catalog } = messageCatalog(topicName, config)
  const kafkit = createKafkit({ service: 'cmd-consumer', catalog, config })
  await kafkit.connect()
  await kafkit.provision()
  const consumer = kafkit.consumer({ retryTopics: config.consumer.retryTopics ?? ['5s'] })
  consumer.on(MessageCreated, (message, ctx) => {
    processMessage(message)
    ctx.logger.info({ id: message.payload.id, sequence: message.payload.sequence }, 'message processed')
  })
  await consumer.start()
  kafkit.logger.info({ topic: topicName, group: consumer.group, workers: config.consumer.concurrency }, 'consuming')
  stopOnSignals([kafkit], { logger: kafkit.logger })
}

run().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error)
  process.exit(error instanceof ConfigError ? 2 : 1)
})
