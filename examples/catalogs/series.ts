// The Series messages topic (seeds/series-kafka-sdk-go-spec.txt §7 "topic plugins"), shared by the
// SendBlue and Linq services. Records use the Series BaseMessage field names (`event_id`,
// `event_type`, `schema_version`, `source_service`) through the `series` codec, so Go and Python
// Series services read what kafkit services write, and kafkit reads theirs.
//
// One event type per thing that happens (received, send requested, sent), with a `provider`
// discriminant carrying each provider's own fields, rather than per-provider types: most consumers
// (the agent, analytics, the inbox) care that a message arrived, not through which provider, and
// narrowing on `provider` still types SendBlue's and Linq's fields exactly.
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from 'kafkit'
import type { ServiceMap } from 'kafkit/schema'

/**
 * Keyed by conversation: one conversation's messages stay in order whichever provider carried them.
 * DLQ per §9: `{topic}.dlq` (kafkit's default).
 */
export const messagesTopic = defineTopic({
  name: 'series.messages.v1',
  key: 'conversation_id',
  partitions: 12,
  retention: '7d',
  codec: 'series',
})

/** Consumer groups of the provider services (the spec's consumer example uses "sendblue-messages"). */
export const SERIES_GROUPS = { sendblue: 'sendblue-messages', linq: 'linq-messages' } as const

export const Provider = z.enum(['sendblue', 'linq'])
export type Provider = z.infer<typeof Provider>

const Id = z.string().min(1)
const Phone = z.e164()

/** What every message event carries; the spec's subset example reads payload.user_id and payload.content. */
const MessageFields = z.object({
  /** Series' own id of the message, stable across providers and retries. */
  message_id: Id,
  conversation_id: Id,
  user_id: Id,
})

/** SendBlue (iMessage with SMS fallback) identifies a message by its handle and both numbers. */
const SendBlueFields = z.object({
  provider: z.literal('sendblue'),
  message_handle: Id,
  from_number: Phone,
  to_number: Phone,
  service: z.enum(['iMessage', 'SMS']),
})

/** Linq identifies a message by its chat and its own message id, and can also carry RCS. */
const LinqFields = z.object({
  provider: z.literal('linq'),
  chat_id: Id,
  linq_message_id: Id,
  service: z.enum(['iMessage', 'SMS', 'RCS']),
})

const Content = z.object({
  content: z.string(),
  media_urls: z.array(z.url()).default([]),
})

/** A provider service's webhook received a message from a user. */
export const MessageReceived = defineEvent({
  type: 'message.received',
  version: '1.0',
  topic: messagesTopic,
  schema: z.discriminatedUnion('provider', [
    MessageFields.extend(Content.shape).extend(SendBlueFields.shape).extend({ received_at: z.iso.datetime() }),
    MessageFields.extend(Content.shape).extend(LinqFields.shape).extend({ received_at: z.iso.datetime() }),
  ]),
})

/** A Series service asks the named provider's service to send a message; that service acts on it. */
export const MessageSendRequested = defineEvent({
  type: 'message.send_requested',
  version: '1.0',
  topic: messagesTopic,
  schema: MessageFields.extend(Content.shape).extend({ provider: Provider, to_number: Phone }),
})

/** The provider accepted an outbound message; its ids let later status webhooks be matched. */
export const MessageSent = defineEvent({
  type: 'message.sent',
  version: '1.0',
  topic: messagesTopic,
  schema: z.discriminatedUnion('provider', [
    MessageFields.extend(SendBlueFields.shape).extend({ sent_at: z.iso.datetime() }),
    MessageFields.extend(LinqFields.shape).extend({ sent_at: z.iso.datetime() }),
  ]),
})

export const seriesCatalog = createCatalog([MessageReceived, MessageSendRequested, MessageSent])

/** The provider services: each receives webhooks and sends what is requested of it. */
export const seriesServices: ServiceMap = {
  'sendblue-service': {
    publishes: [MessageReceived, MessageSent],
    consumes: [messagesTopic],
    group: SERIES_GROUPS.sendblue,
  },
  'linq-service': { publishes: [MessageReceived, MessageSent], consumes: [messagesTopic], group: SERIES_GROUPS.linq },
}
