// The message both tools exchange (the seed's pkg/models/message.go), on the topic the
// configuration names: KAFKA_PRODUCER_TOPIC / KAFKA_CONSUMER_TOPIC (default "events"), with its
// DLQ and retry topics named by KAFKA_DLQ_TOPIC and KAFKA_RETRY_TOPIC_PREFIX when set.
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, type KafkitConfig } from 'kafkit'

export const DEFAULT_TOPIC = 'events'

export function messageCatalog(topicName: string, config: KafkitConfig) {
  const topic = defineTopic({ name: topicName, key: 'id', partitions: 6, ...config.topics })
  const MessageCreated = defineEvent({
    type: 'message.created',
    version: '1.0',
    topic,
    schema: z.object({
      id: z.string().min(1),
      content: z.string(),
      /** The producer's sequence number, for following a run in the logs. */
      sequence: z.number().int().nonnegative(),
    }),
  })
  return { topic, MessageCreated, catalog: createCatalog([MessageCreated]) }
}
