// The schema registry tests run against: SCHEMA_REGISTRY_URL (set by `npm test`, which starts the
// local Apicurio Registry when needed, or pointing at another registry with its credentials).
import { createServer } from 'node:net'
import type { TestContext } from 'node:test'
import { SchemaRegistry, type SchemaRegistryOptions } from '../../src/registry/index.ts'
import { defer } from './kafka.ts'

export function registryUrl(): string {
  const url = process.env['SCHEMA_REGISTRY_URL']
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set: run the tests with `npm test`, which starts a registry')
  return url
}

export function registryAuth(): Pick<SchemaRegistryOptions, 'username' | 'password'> {
  const username = process.env['SCHEMA_REGISTRY_USERNAME']
  const password = process.env['SCHEMA_REGISTRY_PASSWORD']
  return username && password ? { username, password } : {}
}

/** A client of the test registry; the subjects named in `cleanup` are deleted when the test ends. */
export function testRegistry(
  t: TestContext,
  options: Partial<SchemaRegistryOptions> = {},
  cleanup: () => string[] = () => [],
): SchemaRegistry {
  const registry = new SchemaRegistry({ url: registryUrl(), ...registryAuth(), ...options })
  defer(t, async () => {
    for (const subject of cleanup()) await registry.deleteSubject(subject).catch(() => undefined)
    registry.close()
  })
  return registry
}

/** A loopback port nothing listens on (bound, then released): a registry that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
