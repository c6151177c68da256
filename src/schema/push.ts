// `kafkit schema push`: registers every event version's schema under its subject, oldest first, so
// that the registry's compatibility check runs minor after minor as the catalog declares them.
import type { Catalog } from '../catalog/catalog.ts'
import { compareVersions, type AnyEvent } from '../catalog/event.ts'
import type { KafkitError } from '../errors.ts'
import { errorMessage } from '../errors.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { registrySchemaOf } from '../registry/codec.ts'
import { registryCodecOf } from './check.ts'

export interface PushResult {
  event: string
  version: string
  subject: string
  /** The schema id, or undefined when the registry refused it (see `error`). */
  id: number | undefined
  error?: KafkitError | Error
}

export async function pushSchemas(catalog: Catalog, registry: SchemaRegistry): Promise<PushResult[]> {
  const events = [...catalog.events].sort((a, b) => a.type.localeCompare(b.type) || compareVersions(a, b))
  const results: PushResult[] = []
  for (const event of events) results.push(await pushOne(registry, event))
  return results
}

async function pushOne(registry: SchemaRegistry, event: AnyEvent): Promise<PushResult> {
  const subject = registry.subjectOf({ topic: event.topic.name, type: event.type, major: event.major })
  const base = { event: event.type, version: event.version, subject }
  try {
    const id = await registry.register(subject, registrySchemaOf(event, registryCodecOf(event)))
    return { ...base, id }
  } catch (err) {
    return { ...base, id: undefined, error: err instanceof Error ? err : new Error(errorMessage(err)) }
  }
}
