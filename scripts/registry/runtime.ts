// Finds a Java 21+ runtime and fetches the registry's ready-built distribution from Maven Central.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { mavenBinary } from '../kafka/runtime.ts'
import { distDir, REGISTRY_ARTIFACT, REGISTRY_JAVA_MAJOR, REGISTRY_VERSION } from './paths.ts'

export class RegistrySetupError extends Error {
  override name = 'RegistrySetupError'
}

export const REGISTRY_INSTALL_HINT =
  `The local schema registry (Apicurio Registry ${REGISTRY_VERSION}) needs Java ${REGISTRY_JAVA_MAJOR}+ ` +
  '(e.g. a Temurin 21 or 25 JDK; point JAVA_HOME or KAFKIT_REGISTRY_JAVA_HOME at it) and Maven once to fetch it, ' +
  'or set SCHEMA_REGISTRY_URL to use an existing Confluent-compatible registry.'

function javaMajorVersion(bin: string): number | undefined {
  const out = spawnSync(bin, ['-version'], { encoding: 'utf8' })
  if (out.error || out.status !== 0) return undefined
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out.stderr)
  if (!match) return undefined
  const major = Number(match[1])
  return major === 1 ? Number(match[2]) : major
}

/** Java homes to try, most explicit first; the system's JVM directory is scanned as a last resort. */
function candidateHomes(): string[] {
  const homes: string[] = []
  for (const name of ['KAFKIT_REGISTRY_JAVA_HOME', 'JAVA_HOME']) {
    const value = process.env[name]
    if (value) homes.push(value)
  }
  for (const root of ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines']) {
    if (!existsSync(root)) continue
    for (const entry of readdirSync(root).sort().reverse()) {
      homes.push(root.startsWith('/Library') ? join(root, entry, 'Contents', 'Home') : join(root, entry))
    }
  }
  return homes
}

/** A `java` of version 21 or newer, or undefined. */
export function registryJava(): string | undefined {
  for (const home of candidateHomes()) {
    const bin = join(home, 'bin', 'java')
    if (!existsSync(bin)) continue
    const major = javaMajorVersion(bin)
    if (major !== undefined && major >= REGISTRY_JAVA_MAJOR) return bin
  }
  const major = javaMajorVersion('java')
  return major !== undefined && major >= REGISTRY_JAVA_MAJOR ? 'java' : undefined
}

/** The directory holding quarkus-run.jar, fetching and unpacking the distribution the first time. */
export function ensureRegistryDist(log: (line: string) => void): string {
  const dist = distDir()
  if (existsSync(join(dist, 'quarkus-run.jar'))) return dist
  const mvn = mavenBinary()
  if (!mvn) {
    throw new RegistrySetupError(
      `Maven is needed once to fetch Apicurio Registry ${REGISTRY_VERSION} from Maven Central into ${dist}. ` +
        'Install Maven (e.g. `apt-get install maven`), or set SCHEMA_REGISTRY_URL.',
    )
  }
  const staged = join(dirname(dist), `apicurio-registry-${REGISTRY_VERSION}.fetch`)
  rmSync(staged, { recursive: true, force: true })
  mkdirSync(staged, { recursive: true })
  log(`fetching Apicurio Registry ${REGISTRY_VERSION} from Maven Central (about 160 MB, first run only) ...`)
  const started = Date.now()
  const res = spawnSync(
    mvn,
    [
      '-B',
      '-q',
      'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack',
      `-Dartifact=${REGISTRY_ARTIFACT}`,
      `-DoutputDirectory=${staged}`,
    ],
    { cwd: dirname(dist), encoding: 'utf8' },
  )
  if (res.status !== 0 || !existsSync(join(staged, 'quarkus-run.jar'))) {
    rmSync(staged, { recursive: true, force: true })
    throw new RegistrySetupError(`Maven could not fetch ${REGISTRY_ARTIFACT}:\n${res.stdout}\n${res.stderr}`)
  }
  // Rename into place so that a half-finished fetch never looks like a complete one.
  rmSync(dist, { recursive: true, force: true })
  renameSync(staged, dist)
  log(`cached Apicurio Registry ${REGISTRY_VERSION} in ${dist} (${Math.round((Date.now() - started) / 1000)} s)`)
  return dist
}
