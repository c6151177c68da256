// defineEvent: an event type at one version, its payload schema and topic, and how to upcast from
// the version before it.
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { CatalogError } from '../errors.ts'
import { EVENT_TYPE, VERSION } from '../envelope/validate.ts'
import type { Envelope } from '../envelope/types.ts'
import type { SchemaInput, SchemaOutput } from './schema.ts'
import type { TopicDefinition } from './topic.ts'

export type AnyTopic = TopicDefinition<never>

export interface Upcaster {
  readonly from: AnyEvent
  readonly up: (payload: never, envelope: Envelope) => unknown
}

/** A JSON Schema document (draft-07 unless it says otherwise in `$schema`). */
export type JsonSchema = Record<string, unknown>

/** The payload's schema in the registry's other formats, when not derived from the JSON Schema. */
export interface EventSchemas {
  /** An Avro record schema (JSON); derived from the JSON Schema when absent. */
  avro?: Record<string, unknown>
  /** A `.proto` file (proto3) and the message of this event in it. */
  protobuf?: { proto: string; message: string }
}

/** An event version on its way out: producers should move on; consumers keep reading it. */
export interface Deprecation {
  /** The day it was deprecated (`YYYY-MM-DD`, UTC). */
  readonly since: string
  /** What to use instead, for the warning and the AsyncAPI document. */
  readonly note?: string | undefined
}

export interface EventDefinition<TType extends string = string, TPayload = unknown, TInput = TPayload> {
  readonly kind: 'event'
  readonly type: TType
  readonly version: string
  readonly major: number
  readonly minor: number
  readonly topic: AnyTopic
  readonly schema: StandardSchemaV1<TInput, TPayload>
  readonly upcast: Upcaster | undefined
  readonly description: string | undefined
  /** The payload's JSON Schema when given explicitly (else derived from `schema`, see kafkit's schema module). */
  readonly jsonSchema: JsonSchema | undefined
  readonly schemas: Readonly<EventSchemas>
  readonly deprecated: Deprecation | undefined
}

// `any` here is deliberate: it lets every concrete definition (whatever its payload) be stored
// together; user-facing types are recovered with PayloadOf / InputOf.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEvent = EventDefinition<string, any, any>

/** The payload type a handler receives (the schema's output). */
export type PayloadOf<E> = E extends EventDefinition<string, infer P, unknown> ? P : never
/** The payload type `publish` accepts (the schema's input). */
export type InputOf<E> = E extends EventDefinition<string, unknown, infer I> ? I : never
export type TypeOf<E> = E extends EventDefinition<infer T, unknown, unknown> ? T : never

export interface DefineEventOptions<TType extends string, S extends StandardSchemaV1, From extends AnyEvent> {
  type: TType
  version: string
  /** The payload must carry what the topic's key needs (checked at compile time). */
  topic: TopicDefinition<SchemaOutput<S>>
  schema: S
  /** Declares how the previous version's payload becomes this one's. */
  upcast?: { from: From; up: (payload: PayloadOf<From>, envelope: Envelope) => SchemaInput<S> }
  description?: string
  /**
   * The payload's JSON Schema, for validators that cannot produce one (zod 4 and other Standard JSON
   * Schema validators need none): what the schema registry, `kafkit schema check` and AsyncAPI use.
   */
  jsonSchema?: JsonSchema
  /** Avro or Protobuf schemas for the registry codecs of those formats. */
  schemas?: EventSchemas
  /** Marks this version deprecated from a date; see docs/schema-registry.md (deprecation window). */
  deprecated?: Deprecation
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

export function defineEvent<const TType extends string, S extends StandardSchemaV1, From extends AnyEvent = never>(
  options: DefineEventOptions<TType, S, From>,
): EventDefinition<TType, SchemaOutput<S>, SchemaInput<S>> {
  if (!EVENT_TYPE.test(options.type)) {
    throw new CatalogError(`event type "${options.type}" must be "domain.action" in lower case, e.g. "ride.completed"`)
  }
  if (!VERSION.test(options.version)) {
    throw new CatalogError(`event ${options.type}: version "${options.version}" must be "major.minor", e.g. "1.0"`)
  }
  if (typeof options.schema?.['~standard']?.validate !== 'function') {
    throw new CatalogError(`event ${options.type}: schema must implement Standard Schema (zod, valibot, arktype, ...)`)
  }
  const [major, minor] = options.version.split('.').map(Number) as [number, number]
  const upcast = options.upcast
  if (upcast) {
    if (upcast.from.type !== options.type) {
      throw new CatalogError(
        `event ${options.type} v${options.version}: upcast source is ${upcast.from.type}, not the same type`,
      )
    }
    if (upcast.from.major >= major) {
      // Versions of one major are read with each other's schemas and never upcast, so an upcaster
      // between them would silently never run.
      throw new CatalogError(
        `event ${options.type}: upcast from v${upcast.from.version} to v${options.version} must go to a newer major version (minor versions must stay compatible)`,
      )
    }
  }
  const deprecated = options.deprecated
  if (deprecated !== undefined && (!DATE.test(deprecated.since) || Number.isNaN(Date.parse(deprecated.since)))) {
    throw new CatalogError(
      `event ${options.type} v${options.version}: deprecated.since "${deprecated.since}" must be a date like "2026-05-01"`,
    )
  }
  if (options.jsonSchema !== undefined && (typeof options.jsonSchema !== 'object' || options.jsonSchema === null)) {
    throw new CatalogError(`event ${options.type} v${options.version}: jsonSchema must be a JSON Schema object`)
  }
  return Object.freeze({
    kind: 'event' as const,
    type: options.type,
    version: options.version,
    major,
    minor,
    topic: options.topic,
    schema: options.schema as StandardSchemaV1<SchemaInput<S>, SchemaOutput<S>>,
    upcast: upcast ? Object.freeze({ from: upcast.from, up: upcast.up }) : undefined,
    description: options.description,
    jsonSchema: options.jsonSchema,
    schemas: Object.freeze({ ...options.schemas }),
    deprecated: deprecated ? Object.freeze({ since: deprecated.since, note: deprecated.note }) : undefined,
  })
}

export function compareVersions(a: { major: number; minor: number }, b: { major: number; minor: number }): number {
  return a.major - b.major || a.minor - b.minor
}

export function parseVersion(version: string): { major: number; minor: number } | undefined {
  if (!VERSION.test(version)) return undefined
  const [major, minor] = version.split('.').map(Number) as [number, number]
  return { major, minor }
}
