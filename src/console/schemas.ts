// Where the Catalog page gets an event version's schema. The default reads the validator's own
// JSON Schema through Standard JSON Schema (zod 4 has it); a schema registry, where one is
// configured, can be plugged in here instead (`SchemaSource`), so that the page shows what the
// registry holds.
import type { StandardJSONSchemaV1 } from '@standard-schema/spec'
import type { AnyEvent } from '../catalog/event.ts'
import { errorMessage } from '../errors.ts'

export interface ShownSchema {
  /** Where it came from: 'catalog' (the validator) or the registry's subject and version. */
  source: string
  schema: Record<string, unknown> | undefined
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
