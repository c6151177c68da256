// Where the Catalog page gets an event version's schema: the validator's own JSON Schema through
// Standard JSON Schema (zod 4 has it), or, where a schema registry is configured, what the
// registry holds under the version's subject.
import type { StandardJSONSchemaV1 } from '@standard-schema/spec'
import type { AnyEvent } from '../catalog/event.ts'
import { errorMessage } from '../errors.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { readAnnotations } from '../schema/json-schema.ts'

export interface ShownSchema {
  /** Where it came from: 'catalog' (the validator) or the registry's subject and version. */
  source: string
  /** The schema (JSON Schema or Avro as JSON; a Protobuf schema as text). */
  schema: Record<string, unknown> | string | undefined
  problem: string | undefined
}

export type SchemaSource = (event: AnyEvent) => Promise<ShownSchema>

export const catalogSchemas: SchemaSource = (event) => {
  const converter = (event.schema['~standard'] as Partial<StandardJSONSchemaV1.Props>).jsonSchema
  if (!converter) {
    return Promise.resolve({
      source: 'catalog',
      schema: undefined,
      problem: `its validator (${event.schema['~standard'].vendor}) has no JSON Schema`,
    })
  }
  try {
    return Promise.resolve({ source: 'catalog', schema: converter.output({ target: 'draft-07' }), problem: undefined })
  } catch (error) {
    return Promise.resolve({ source: 'catalog', schema: undefined, problem: errorMessage(error) })
  }
}

/**
 * The schemas a registry holds for each event version: under the version's subject, the
 * registered schema whose kafkit annotations name this version (else the subject's latest),
 * shown as the registry has it. Versions never registered show the validator's schema, saying so.
 */
export function registrySchemas(registry: SchemaRegistry): SchemaSource {
  return async (event) => {
    const subject = registry.subjectOf({ topic: event.topic.name, type: event.type, major: event.major })
    try {
      const versions = await registry.versions(subject)
      if (versions.length === 0) {
        const own = await catalogSchemas(event)
        return { ...own, source: `the catalog (nothing registered under ${subject})` }
      }
      let chosen: Awaited<ReturnType<SchemaRegistry['schemaAt']>> | undefined
      for (const version of [...versions].reverse()) {
        const candidate = await registry.schemaAt(subject, version)
        chosen ??= candidate
        if (annotatedVersion(candidate.schema) === event.version) {
          chosen = candidate
          break
        }
      }
      const shown = chosen!
      return {
        source: `the registry: ${subject} version ${shown.version} (id ${shown.id}, ${shown.schemaType ?? 'AVRO'})`,
        schema: parsed(shown.schema),
        problem: undefined,
      }
    } catch (error) {
      return { source: 'the registry', schema: undefined, problem: errorMessage(error) }
    }
  }
}

function annotatedVersion(text: string): string | undefined {
  const schema = parsed(text)
  return typeof schema === 'object' ? readAnnotations(schema)?.version : undefined
}

/** JSON Schema and Avro are JSON; a Protobuf schema is shown as its text. */
function parsed(text: string): Record<string, unknown> | string {
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : text
  } catch {
    return text
  }
}
