// An AsyncAPI 3.0 document from a catalog: a channel per topic (with its Kafka binding), a message
// per event version (headers, key, payload schema), and, when the services are described, a send or
// receive operation per service and topic.
import type { Catalog } from '../catalog/catalog.ts'
import type { AnyEvent, AnyTopic, JsonSchema } from '../catalog/event.ts'
import { matchesPattern } from '../catalog/pattern.ts'
import { dlqTopicOf } from '../catalog/topic.ts'
import { builtInCodecs } from '../envelope/registry.ts'
import { Headers } from '../envelope/headers.ts'
import { ACTOR_TYPES } from '../envelope/types.ts'
import { defaultSubject, type SubjectStrategy } from '../registry/client.ts'
import { RegistryHeaders } from '../registry/codec.ts'
import { isRegistryCodecName } from '../registry/names.ts'
import { day, windowEnd } from './deprecation.ts'
import { DRAFT_07, payloadJsonSchema } from './json-schema.ts'

export const ASYNCAPI_VERSION = '3.0.0'
const KAFKA_BINDING = '0.5.0'
const SCHEMA_FORMAT = 'application/schema+json;version=draft-07'

/** What each service publishes (event definitions, types or patterns) and consumes (topics). */
export type ServiceMap = Record<
  string,
  {
    publishes?: readonly (AnyEvent | string)[]
    consumes?: readonly (AnyTopic | string)[]
    /** The consumer group; default `{service}-group`. */
    group?: string
    description?: string
  }
>

export interface AsyncApiOptions {
  title?: string
  /** The document's version (of the API it describes). Default `1.0.0`. */
  version?: string
  description?: string
  services?: ServiceMap
  /** Kafka servers, e.g. `{ local: { host: '127.0.0.1:9092' } }`. */
  servers?: Record<string, { host: string; protocol?: string; description?: string }>
  /** The registry subject strategy, when topics use a registry codec. */
  subject?: SubjectStrategy
}

type Doc = Record<string, unknown>

export function asyncApiDocument(catalog: Catalog, options: AsyncApiOptions = {}): Record<string, unknown> {
  const channels: Doc = {}
  const messages: Doc = {}
  const subject = options.subject ?? defaultSubject
  for (const topic of catalog.topics()) {
    const events = catalog.events.filter((e) => e.topic === topic)
    const refs: Doc = {}
    for (const event of events) {
      const id = messageId(event)
      messages[id] = message(event, subject)
      refs[id] = { $ref: `#/components/messages/${id}` }
    }
    channels[topic.name] = channel(topic, refs)
  }
  const doc: Doc = {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: options.title ?? 'kafkit catalog',
      version: options.version ?? '1.0.0',
      ...(options.description ? { description: options.description } : {}),
    },
    defaultContentType: 'application/json',
  }
  if (options.servers) {
    doc['servers'] = Object.fromEntries(
      Object.entries(options.servers).map(([name, s]) => [name, { protocol: 'kafka', ...s }]),
    )
  }
  doc['channels'] = channels
  const operations = options.services ? serviceOperations(catalog, options.services) : {}
  if (Object.keys(operations).length > 0) doc['operations'] = operations
  doc['components'] = { messages }
  return doc
}

/** `ride.completed.v1.0`: one message per event version. */
export function messageId(event: AnyEvent): string {
  return `${event.type}.v${event.version}`
}

function channel(topic: AnyTopic, messages: Doc): Doc {
  return {
    address: topic.name,
    description: `Partition key: ${topic.keyField ?? 'a function of the payload'}; failed events go to ${dlqName(topic)}.`,
    messages,
    bindings: {
      kafka: {
        topic: topic.name,
        partitions: topic.partitions,
        ...(topic.replicationFactor === undefined ? {} : { replicas: topic.replicationFactor }),
        topicConfiguration: { 'retention.ms': topic.retentionMs, 'cleanup.policy': ['delete'] },
        bindingVersion: KAFKA_BINDING,
      },
    },
    'x-kafkit-dlq': dlqName(topic),
  }
}

function dlqName(topic: AnyTopic): string {
  try {
    return dlqTopicOf(topic)
  } catch {
    return topic.dlqTemplate // a template with placeholders filled per service or group
  }
}

function message(event: AnyEvent, subject: SubjectStrategy): Doc {
  const codec = event.topic.codec
  const registry = isRegistryCodecName(codec)
  const payload = withoutDraft(payloadJsonSchema(event))
  const contentType = registry
    ? `application/vnd.kafkit.${codec}`
    : typeof codec === 'object'
      ? codec.contentType
      : builtInCodecs[codec ?? 'json'].contentType
  const doc: Doc = {
    name: event.type,
    title: `${event.type} v${event.version}`,
    ...(event.description ? { description: event.description } : {}),
    contentType,
    headers: headersSchema(event, contentType, registry),
    payload: {
      schemaFormat: SCHEMA_FORMAT,
      schema: registry ? { $schema: DRAFT_07, ...payload } : envelopeSchema(event, payload, codec === 'series'),
    },
    correlationId: {
      description: 'The flow this event belongs to',
      location: `$message.header#/${Headers.correlationId}`,
    },
    bindings: {
      kafka: {
        key: { type: 'string', description: keyDescription(event.topic) },
        ...(registry ? { schemaIdLocation: 'payload', schemaIdPayloadEncoding: 'confluent' } : {}),
        bindingVersion: KAFKA_BINDING,
      },
    },
  }
  if (registry) {
    doc['x-kafkit-registry-subject'] = subject({ topic: event.topic.name, type: event.type, major: event.major })
  } else if (codec !== undefined && codec !== 'json') {
    doc['x-kafkit-codec'] = typeof codec === 'object' ? codec.name : codec
  }
  if (event.deprecated) {
    doc['tags'] = [{ name: 'deprecated' }]
    doc['x-kafkit-deprecated'] = {
      since: event.deprecated.since,
      windowEnds: day(windowEnd(event.deprecated)),
      ...(event.deprecated.note ? { note: event.deprecated.note } : {}),
    }
  }
  return doc
}

function keyDescription(topic: AnyTopic): string {
  return topic.keyField ? `the payload's ${topic.keyField}` : 'derived from the payload (see the catalog)'
}

function withoutDraft(schema: JsonSchema): JsonSchema {
  const { $schema: _draft, ...rest } = schema
  return rest
}

const header = (description: string, extra: Doc = {}): Doc => ({ type: 'string', description, ...extra })

function headersSchema(event: AnyEvent, contentType: string, registry: boolean): Doc {
  const properties: Doc = {
    [Headers.eventType]: header('The event type', { const: event.type }),
    [Headers.eventId]: header('The event id (UUID)', { format: 'uuid' }),
    [Headers.eventVersion]: header('The payload version', { const: event.version }),
    [Headers.eventSource]: header('The producing service'),
    [Headers.contentType]: header('The value format', { const: contentType }),
    [Headers.correlationId]: header('The request or flow the event belongs to'),
    [Headers.causationId]: header('The id of the event whose handling published this one'),
    [Headers.traceparent]: header('W3C trace context'),
    [Headers.tracestate]: header('W3C trace state'),
  }
  const required: string[] = [
    Headers.eventType,
    Headers.eventId,
    Headers.eventVersion,
    Headers.eventSource,
    Headers.contentType,
    Headers.correlationId,
  ]
  if (registry) {
    // The value is the payload alone: the envelope's other fields are headers.
    properties[RegistryHeaders.time] = header('Creation time, UTC ISO 8601', { format: 'date-time' })
    properties[RegistryHeaders.actorId] = header('Who caused the event')
    properties[RegistryHeaders.actorType] = header('The kind of actor', { enum: [...ACTOR_TYPES] })
    properties[RegistryHeaders.metadata] = header('Metadata, a JSON object of strings')
    required.push(RegistryHeaders.time)
  }
  return { type: 'object', properties, required }
}

/** The value of a JSON envelope topic; with the Series field names for the `series` codec. */
function envelopeSchema(event: AnyEvent, payload: JsonSchema, series: boolean): JsonSchema {
  const [id, type, version, source] = series
    ? ['event_id', 'event_type', 'schema_version', 'source_service']
    : ['id', 'type', 'version', 'source']
  return {
    $schema: DRAFT_07,
    type: 'object',
    description: `The ${series ? 'Series-named ' : ''}kafkit envelope of ${event.type} v${event.version} (docs/envelope.md)`,
    required: [id, type, version, source, 'timestamp', 'correlation_id', 'payload'],
    properties: {
      [id]: { type: 'string', format: 'uuid' },
      [type]: { const: event.type },
      [version]: { const: event.version },
      [source]: { type: 'string', minLength: 1 },
      timestamp: { type: 'string', format: 'date-time' },
      correlation_id: { type: 'string', minLength: 1 },
      causation_id: { type: 'string', minLength: 1 },
      actor: {
        type: 'object',
        required: ['id', 'type'],
        properties: { id: { type: 'string', minLength: 1 }, type: { enum: [...ACTOR_TYPES] } },
      },
      metadata: { type: 'object', additionalProperties: { type: 'string' } },
      payload,
    },
  }
}

function serviceOperations(catalog: Catalog, services: ServiceMap): Doc {
  const operations: Doc = {}
  for (const [service, spec] of Object.entries(services)) {
    const published = catalog.events.filter((event) =>
      (spec.publishes ?? []).some((p) => (typeof p === 'string' ? matchesPattern(p, event.type) : p === event)),
    )
    for (const [topic, events] of Map.groupBy(published, (e) => e.topic.name)) {
      operations[`${service}.send.${topic}`] = {
        action: 'send',
        title: `${service} publishes to ${topic}`,
        channel: { $ref: `#/channels/${topic}` },
        messages: events.map((e) => ({ $ref: `#/channels/${topic}/messages/${messageId(e)}` })),
        'x-kafkit-service': service,
      }
    }
    const group = spec.group ?? `${service}-group`
    for (const consumed of spec.consumes ?? []) {
      const topic = typeof consumed === 'string' ? consumed : consumed.name
      const events = catalog.events.filter((e) => e.topic.name === topic)
      if (events.length === 0) continue
      operations[`${service}.receive.${topic}`] = {
        action: 'receive',
        title: `${service} consumes ${topic} (group ${group})`,
        channel: { $ref: `#/channels/${topic}` },
        messages: events.map((e) => ({ $ref: `#/channels/${topic}/messages/${messageId(e)}` })),
        bindings: { kafka: { groupId: { type: 'string', enum: [group] }, bindingVersion: KAFKA_BINDING } },
        'x-kafkit-service': service,
      }
    }
  }
  return operations
}
