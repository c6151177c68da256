// The JVM peers that do kafkit's job, run on the same broker and records: Confluent's Parallel
// Consumer in the pool scenario (bench/java/parallel-consumer, built with Maven from Maven Central
// into the kafkit cache the first time, keyed by a hash of its sources) and a plain kafka-clients
// producer and consumer in the latency scenario (bench/java/OpenLoopLatency.java, run from source
// against the Kafka jars the bench already uses). Only sources are committed.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { javaBinary, libsDir } from '../../scripts/kafka/index.ts'
import { kafkitHome } from '../../scripts/kafka/paths.ts'
import { mavenBinary } from '../../scripts/kafka/runtime.ts'
import { COMMON } from './settings.ts'
import type { LatencySummary } from './stats.ts'

export const PARALLEL_CONSUMER_VERSION = '0.5.3.2'
/** The kafka-clients that Parallel Consumer 0.5.3.2 depends on (and so runs with). */
export const PARALLEL_CONSUMER_CLIENTS = '3.7.0'

const PC_SOURCES = fileURLToPath(new URL('../java/parallel-consumer/', import.meta.url))
const LATENCY_SOURCE = fileURLToPath(new URL('../java/OpenLoopLatency.java', import.meta.url))

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

/** Where this version of the harness's sources is built: a change to them builds anew. */
export function parallelConsumerDir(): string {
  const hash = createHash('sha256')
  for (const file of files(PC_SOURCES).sort()) hash.update(relative(PC_SOURCES, file)).update(readFileSync(file))
  return join(kafkitHome(), 'bench-java', `parallel-consumer-${hash.digest('hex').slice(0, 12)}`)
}

/** True when the harness is built (a run needs no Maven and no network). */
export function parallelConsumerBuilt(): boolean {
  return existsSync(join(parallelConsumerDir(), 'target', 'classes', 'dev', 'kafkit', 'bench', 'PoolHarness.class'))
}

/** Why the Parallel Consumer harness cannot be built here, or undefined when it can (or is). */
export function parallelConsumerUnavailable(): string | undefined {
  if (!javaBinary()) return 'no Java 17+'
  if (!parallelConsumerBuilt() && !mavenBinary()) return 'no Maven to build the Parallel Consumer harness'
  return undefined
}

/**
 * Builds the harness the first time (Maven fetches Parallel Consumer and its runtime jars from Maven
 * Central, about 10 s when they are in ~/.m2) and returns its classpath.
 */
export function ensureParallelConsumer(log: (line: string) => void): string {
  const dir = parallelConsumerDir()
  const classpath = `${join(dir, 'target', 'classes')}:${join(dir, 'target', 'libs', '*')}`
  if (parallelConsumerBuilt()) return classpath
  const reason = parallelConsumerUnavailable()
  if (reason) throw new Error(`cannot build the Parallel Consumer harness: ${reason}`)
  const staged = `${dir}.build`
  rmSync(staged, { recursive: true, force: true })
  mkdirSync(dirname(staged), { recursive: true })
  cpSync(PC_SOURCES, staged, { recursive: true })
  log(`building the Parallel Consumer ${PARALLEL_CONSUMER_VERSION} harness with Maven (first run only) ...`)
  const started = Date.now()
  const res = spawnSync(
    mavenBinary()!,
    ['-q', '-B', 'compile', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=target/libs'],
    { cwd: staged, encoding: 'utf8' },
  )
  if (res.status !== 0) {
    rmSync(staged, { recursive: true, force: true })
    throw new Error(`Maven could not build the Parallel Consumer harness:\n${res.stdout}\n${res.stderr}`)
  }
  // Renamed into place so that a half-finished build never looks like a finished one; builds of
  // earlier sources go.
  for (const old of readdirSync(dirname(dir)))
    if (old.startsWith('parallel-consumer-') && !old.endsWith('.build'))
      rmSync(join(dirname(dir), old), { recursive: true, force: true })
  renameSync(staged, dir)
  log(`built the Parallel Consumer harness in ${dir} (${Math.round((Date.now() - started) / 1000)} s)`)
  return classpath
}

/** Runs a Java program to its end and returns the JSON of its `RESULT` line. */
function runJava<R>(name: string, args: string[], timeoutMs: number): Promise<R> {
  const java = javaBinary()
  if (!java) return Promise.reject(new Error('Java 17+ is needed for the JVM peers'))
  // Warnings and errors only (slf4j-simple in the Parallel Consumer harness; stderr is kept for errors).
  const child = spawn(java, [`-Xmx${COMMON.javaHeap}`, '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', ...args])
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const line = /^RESULT (.*)$/m.exec(output)?.[1]
      if (line) resolve(JSON.parse(line) as R)
      else reject(new Error(`${name} exited (code ${code}, signal ${signal}):\n${output.slice(-2000)}`))
    })
  })
}

const named = (params: Record<string, string | number | boolean>) =>
  Object.entries(params).map(([name, value]) => `${name}=${value}`)

export interface ParallelConsumerParams {
  bootstrap: string
  topic: string
  group: string
  concurrency: number
  records: number
  handlerMs: number
  /** The run ends here even if fewer records were handled; the rate is of those that were. */
  maxSeconds: number
  /** Each finished record's seq is appended here (the commit-behaviour runs). */
  journal?: string
  /** The JVM halts, as a SIGKILL would, once this many handlers finished (exit code 137). */
  haltAfter?: number
  /** A new member of the group after a halted one: counts finished records handled again. */
  resume?: boolean
}

export interface ParallelConsumerRun {
  /** False when `maxSeconds` ended the run first; `records` is then the number handled. */
  complete: boolean
  records: number
  msgsPerSec: number
  peakConcurrency: number
  orderViolations: number
  meanHandlerMs: number
  finished: number
  handledAgain: number
}

export function runParallelConsumer(classpath: string, params: ParallelConsumerParams): Promise<ParallelConsumerRun> {
  return runJava(
    'PoolHarness',
    ['-cp', classpath, 'dev.kafkit.bench.PoolHarness', ...named({ ...params })],
    (params.maxSeconds + 60) * 1000,
  )
}

/** Java 17+ and the Kafka jars: what OpenLoopLatency needs (the bench's own Java tools need the same). */
export function javaLatencyAvailable(): boolean {
  return javaBinary() !== undefined && existsSync(libsDir())
}

export interface JavaLatencyParams {
  bootstrap: string
  topic: string
  group: string
  rate: number
  seconds: number
  warmupSeconds: number
}

export interface JavaLatencyRun {
  ok: boolean
  offered: number
  scheduleLagMs: number
  failures: number
  publishAck: LatencySummary
  endToEnd: LatencySummary
}

export function runJavaLatency(params: JavaLatencyParams): Promise<JavaLatencyRun> {
  const settings = {
    recordBytes: COMMON.recordBytes,
    keys: COMMON.keys,
    lingerMs: COMMON.lingerMs,
    batchBytes: COMMON.batchBytes,
  }
  return runJava(
    'OpenLoopLatency',
    ['-cp', `${libsDir()}/*`, LATENCY_SOURCE, ...named({ ...params, ...settings })],
    (params.seconds + 180) * 1000,
  )
}
