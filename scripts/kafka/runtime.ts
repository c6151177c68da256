// Finds Java and Maven and fetches the Kafka jars from Maven Central into the cache.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { KAFKA_VERSION, libsDir } from './paths.ts'

export class KafkaSetupError extends Error {
  override name = 'KafkaSetupError'
}

export const INSTALL_HINT =
  'No way to run a local Kafka broker was found. Install Java 17+ (e.g. `apt-get install openjdk-17-jre-headless maven`) ' +
  'or Docker with the compose plugin, or set KAFKA_BROKERS=host:port to use an existing cluster.'

export function javaBinary(): string | undefined {
  const candidates = [process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : undefined, 'java']
  for (const bin of candidates) {
    if (bin === undefined) continue
    const version = javaMajorVersion(bin)
    if (version !== undefined && version >= 17) return bin
  }
  return undefined
}

function javaMajorVersion(bin: string): number | undefined {
  const out = spawnSync(bin, ['-version'], { encoding: 'utf8' })
  if (out.error || out.status !== 0) return undefined
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out.stderr)
  if (!match) return undefined
  const major = Number(match[1])
  return major === 1 ? Number(match[2]) : major
}

export function mavenBinary(): string | undefined {
  const out = spawnSync('mvn', ['-v'], { encoding: 'utf8' })
  return out.error || out.status !== 0 ? undefined : 'mvn'
}

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kafkit</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.17</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
`

/** Returns the directory holding the Kafka jars, fetching them with Maven the first time. */
export function ensureKafkaJars(log: (line: string) => void): string {
  const libs = libsDir()
  if (existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) return libs
  const mvn = mavenBinary()
  if (!mvn) {
    throw new KafkaSetupError(
      `Maven is needed once to fetch Apache Kafka ${KAFKA_VERSION} from Maven Central into ${libs}. ` +
        'Install Maven (e.g. `apt-get install maven`), or use Docker, or set KAFKA_BROKERS.',
    )
  }
  const work = join(dirname(libs), 'fetch')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'pom.xml'), POM)
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central (first run only) ...`)
  const staged = join(work, 'libs')
  const res = spawnSync(
    mvn,
    ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${staged}`, '-DincludeScope=runtime'],
    { cwd: work, encoding: 'utf8' },
  )
  if (res.status !== 0) {
    throw new KafkaSetupError(`Maven could not fetch the Kafka jars:\n${res.stdout}\n${res.stderr}`)
  }
  // Rename into place so that a half-finished fetch never looks like a complete one.
  rmSync(libs, { recursive: true, force: true })
  renameSync(staged, libs)
  rmSync(work, { recursive: true, force: true })
  log(`cached ${readdirSync(libs).length} jars in ${libs}`)
  return libs
}

export function classpath(libs: string): string {
  return join(libs, '*')
}
