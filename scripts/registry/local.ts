// The schema registry the project runs: SCHEMA_REGISTRY_URL when set, else one that already answers
// on the local port, else Apicurio Registry started from its cached distribution.
import { readFileSync, rmSync, statSync } from 'node:fs'
import { localRegistryUrl, registryFiles, registryRunDir } from './paths.ts'
import { probeRegistry, waitForRegistry, type ProbeAuth, type RegistryProbe } from './probe.ts'
import { registryPid, startRegistryProcess, stopRegistryProcess, tailRegistryLog } from './process.ts'
import { ensureRegistryDist, REGISTRY_INSTALL_HINT, registryJava, RegistrySetupError } from './runtime.ts'

export type RegistryBackend = 'external' | 'apicurio'

export interface RegistryHandle {
  url: string
  backend: RegistryBackend
  /** True when this call started the registry (so the caller should stop it). */
  started: boolean
}

export interface RegistryStartOptions {
  log?: (line: string) => void
  /** How long to wait for the registry to answer after starting it (a cold JVM takes ~10 s). */
  deadlineMs?: number
}

const START_DEADLINE_MS = 90_000

/** SCHEMA_REGISTRY_URL and its basic-auth credentials, when set. */
export function externalRegistry(): { url: string; auth: ProbeAuth | undefined } | undefined {
  const url = process.env['SCHEMA_REGISTRY_URL']?.trim()
  if (!url) return undefined
  const username = process.env['SCHEMA_REGISTRY_USERNAME']
  const password = process.env['SCHEMA_REGISTRY_PASSWORD']
  return { url, auth: username && password ? { username, password } : undefined }
}

/** Starts (or reuses) a registry and resolves once it answers. */
export async function ensureRegistry(options: RegistryStartOptions = {}): Promise<RegistryHandle> {
  const log = options.log ?? (() => undefined)
  const external = externalRegistry()
  if (external) {
    const answer = await probeRegistry(external.url, external.auth, 10_000)
    if (!answer.ok) {
      throw new RegistrySetupError(
        `the schema registry at SCHEMA_REGISTRY_URL=${external.url} does not answer: ${answer.error ?? 'no answer'}`,
      )
    }
    return { url: external.url, backend: 'external', started: false }
  }
  const url = localRegistryUrl()
  const files = registryFiles()
  const deadline = options.deadlineMs ?? START_DEADLINE_MS
  if (registryPid(files) !== undefined) {
    log(`reusing the running local schema registry at ${url}`)
    await requireAnswer(url, deadline)
    return { url, backend: 'apicurio', started: false }
  }
  if ((await probeRegistry(url, undefined, 1500)).ok) {
    log(`a schema registry already answers at ${url}; reusing it`)
    return { url, backend: 'apicurio', started: false }
  }
  const java = registryJava()
  if (java === undefined) throw new RegistrySetupError(REGISTRY_INSTALL_HINT)
  const dist = ensureRegistryDist(log)
  const pid = startRegistryProcess(java, dist, files)
  log(`started the schema registry (pid ${pid}); log: ${files.log}`)
  await requireAnswer(url, deadline)
  log(`the schema registry is up at ${url}`)
  return { url, backend: 'apicurio', started: true }
}

async function requireAnswer(url: string, deadlineMs: number): Promise<void> {
  const files = registryFiles()
  // A JVM that exits while we wait fails the start at once instead of at the deadline.
  const result = await waitForRegistry(url, deadlineMs, () => registryPid(files) !== undefined)
  if (!result.ok) {
    throw new RegistrySetupError(
      `the schema registry at ${url} did not come up: ${result.error ?? 'no answer'}\n` +
        `--- ${files.log} ---\n${tailRegistryLog(files)}`,
    )
  }
}

export interface RegistryStopOptions {
  clean?: boolean
  log?: (line: string) => void
}

/** Stops the registry this project started (never an external one). */
export async function stopRegistry(options: RegistryStopOptions = {}): Promise<boolean> {
  const log = options.log ?? (() => undefined)
  const pid = await stopRegistryProcess(registryFiles())
  if (pid !== undefined) log(`stopped the schema registry (pid ${pid})`)
  if (options.clean) {
    rmSync(registryRunDir(), { recursive: true, force: true })
    log(`removed ${registryRunDir()}`)
  }
  return pid !== undefined
}

export interface RegistryStatus {
  url: string
  external: boolean
  pid: number | undefined
  log: string
  answer: RegistryProbe
}

export async function registryStatus(): Promise<RegistryStatus> {
  const external = externalRegistry()
  const url = external?.url ?? localRegistryUrl()
  const answer = await probeRegistry(url, external?.auth, 3000)
  const files = registryFiles()
  return {
    url,
    external: external !== undefined,
    pid: external ? undefined : registryPid(files),
    log: files.log,
    answer,
  }
}

/**
 * Whether a test run needs the registry: the full suite does; a run of chosen files does when one of
 * them (or a directory or pattern given) may use it, i.e. imports the registry test support.
 */
export function testsNeedRegistry(files: readonly string[]): boolean {
  if (files.length === 0) return true
  return files.some((file) => {
    try {
      return !statSync(file).isFile() || readFileSync(file, 'utf8').includes('support/registry')
    } catch {
      return true // a glob pattern: it may match such a file
    }
  })
}
