// Where the local schema registry lives: the distribution is cached once per machine, the run state
// (pid file, log) once per KAFKIT_HOME.
import { join } from 'node:path'
import { kafkitHome } from '../kafka/paths.ts'

/** Apicurio Registry, Confluent-compatible API under /apis/ccompat/v7. */
export const REGISTRY_VERSION = '3.3.3'
export const REGISTRY_ARTIFACT = `io.apicurio:apicurio-registry-app:${REGISTRY_VERSION}:tar.gz:all`
/** The Quarkus fast-jar needs class file version 65. */
export const REGISTRY_JAVA_MAJOR = 21

export function distDir(): string {
  return join(kafkitHome(), `apicurio-registry-${REGISTRY_VERSION}`)
}

export function registryRunDir(): string {
  return join(kafkitHome(), 'run', 'registry')
}

export interface RegistryFiles {
  dir: string
  log: string
  pid: string
}

export function registryFiles(): RegistryFiles {
  const dir = registryRunDir()
  return { dir, log: join(dir, 'registry.log'), pid: join(dir, 'registry.pid') }
}

/** HTTP port (the API) and the management port (health) right after it. */
export function registryPorts(): { http: number; management: number } {
  const http = Number(process.env['KAFKIT_REGISTRY_PORT'] ?? 18081)
  return { http, management: http + 1 }
}

/** The Confluent-compatible base URL of the local registry (what SCHEMA_REGISTRY_URL would hold). */
export function localRegistryUrl(): string {
  return `http://127.0.0.1:${registryPorts().http}/apis/ccompat/v7`
}
