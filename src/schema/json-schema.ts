// The JSON Schema of an event version's payload: the one given in `defineEvent`, else the one its
// validator produces through Standard JSON Schema (zod 4, valibot with its adapter, arktype…). It
// describes what goes on the wire, so it is the validator's output side.
import type { StandardJSONSchemaV1 } from '@standard-schema/spec'
import type { AnyEvent, JsonSchema } from '../catalog/event.ts'
import { CatalogError, errorMessage } from '../errors.ts'

export const DRAFT_07 = 'http://json-schema.org/draft-07/schema#'

const derived = new WeakMap<AnyEvent, JsonSchema>()

/** The payload's JSON Schema (computed once per definition). Throws CatalogError when there is none. */
export function payloadJsonSchema(event: AnyEvent): JsonSchema {
  let schema = derived.get(event)
  if (!schema) {
    schema = withDraft(event.jsonSchema ?? fromValidator(event))
    derived.set(event, schema)
  }
  return schema
}

function fromValidator(event: AnyEvent): JsonSchema {
  const standard = event.schema['~standard'] as Partial<StandardJSONSchemaV1.Props>
  const converter = standard.jsonSchema
  if (!converter) {
    throw new CatalogError(
      `${event.type} v${event.version}: its validator (${event.schema['~standard'].vendor}) cannot produce a JSON Schema: give one in defineEvent({ jsonSchema })`,
    )
  }
  try {
    return converter.output({ target: 'draft-07' })
  } catch (err) {
    throw new CatalogError(
      `${event.type} v${event.version}: no JSON Schema can be derived from its validator (${errorMessage(err)}): give one in defineEvent({ jsonSchema })`,
      { cause: err },
    )
  }
}

/** Registries refuse some schemas without `$schema` (Apicurio, for roots that are not objects). */
function withDraft(schema: JsonSchema): JsonSchema {
  return typeof schema['$schema'] === 'string' ? schema : { $schema: DRAFT_07, ...schema }
}

/** Keys of kafkit's annotations in a registered schema (registries ignore unknown keywords). */
export const Annotations = {
  event: 'x-kafkit-event',
  version: 'x-kafkit-version',
  deprecated: 'x-kafkit-deprecated',
} as const

/**
 * The schema kafkit registers for an event version: the payload's schema annotated with the event
 * type, its version and its deprecation date, so that the registry remembers which event versions
 * were registered and since when they are deprecated (what `kafkit schema check` compares with).
 */
export function registeredJsonSchema(event: AnyEvent): JsonSchema {
  const annotations: JsonSchema = { [Annotations.event]: event.type, [Annotations.version]: event.version }
  if (event.deprecated) annotations[Annotations.deprecated] = event.deprecated.since
  return { ...payloadJsonSchema(event), ...annotations }
}

export interface EventAnnotations {
  event: string
  version: string
  deprecated: string | undefined
}

/** kafkit's annotations of a registered schema (JSON Schema or Avro), if it has them. */
export function readAnnotations(schema: JsonSchema): EventAnnotations | undefined {
  const event = schema[Annotations.event]
  const version = schema[Annotations.version]
  if (typeof event !== 'string' || typeof version !== 'string') return undefined
  const deprecated = schema[Annotations.deprecated]
  return { event, version, deprecated: typeof deprecated === 'string' ? deprecated : undefined }
}
