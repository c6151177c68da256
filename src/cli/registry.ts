// The schema registry of a CLI command: --registry-url, else SCHEMA_REGISTRY_URL, with the
// SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD credentials.
import { ErrorCodes, KafkitError } from '../errors.ts'
import { SchemaRegistry } from '../registry/client.ts'
import type { CliIo } from './io.ts'

export function registryFrom(url: string | undefined, io: CliIo): SchemaRegistry | undefined {
  const value = url ?? io.env['SCHEMA_REGISTRY_URL']
  if (!value) return undefined
  const username = io.env['SCHEMA_REGISTRY_USERNAME'] || undefined
  const password = io.env['SCHEMA_REGISTRY_PASSWORD'] || undefined
  return new SchemaRegistry({ url: value, username, password })
}

export function requireRegistry(url: string | undefined, io: CliIo): SchemaRegistry {
  const registry = registryFrom(url, io)
  if (!registry) {
    throw new KafkitError(
      ErrorCodes.CONFIG_INVALID,
      'no schema registry: pass --registry-url or set SCHEMA_REGISTRY_URL (npm run registry:start prints the local one)',
    )
  }
  return registry
}
