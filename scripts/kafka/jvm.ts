// One broker+controller JVM: format its storage, start it detached, stop exactly that process.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { LOG4J2, serverProperties } from './config.ts'
import { LOCAL_SASL_USER, nodeDir, runDir, type Mode } from './paths.ts'
import { classpath, KafkaSetupError } from './runtime.ts'
import type { LocalTls } from './tls.ts'

export interface NodeFiles {
  dir: string
  properties: string
  log4j: string
  log: string
  pid: string
  data: string
}

export function filesOf(mode: Mode, nodeId: number): NodeFiles {
  const dir = nodeDir(mode, nodeId)
  return {
    dir,
    properties: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.yaml'),
    log: join(dir, 'kafka.log'),
    pid: join(dir, 'kafka.pid'),
    data: join(dir, 'data'),
  }
}

/** Cluster id shared by every node of a mode, created once. */
function clusterId(mode: Mode): string {
  const file = join(runDir(mode), 'cluster.id')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(runDir(mode), { recursive: true })
  const id = newClusterId()
  writeFileSync(file, id)
  return id
}

/**
 * A KRaft cluster id: 16 random bytes in base64url. One that starts with '-' would be read as an
 * option by the storage tool (Kafka's own Uuid.randomUuid() draws again in that case, and so do we).
 */
export function newClusterId(draw: () => Buffer = () => randomBytes(16)): string {
  let id = draw().toString('base64url')
  while (id.startsWith('-')) id = draw().toString('base64url')
  return id
}

export function prepareNode(java: string, libs: string, mode: Mode, nodeId: number, tls: LocalTls): NodeFiles {
  const files = filesOf(mode, nodeId)
  mkdirSync(files.dir, { recursive: true })
  writeFileSync(files.properties, serverProperties(mode, nodeId, tls))
  writeFileSync(files.log4j, LOG4J2)
  if (!existsSync(join(files.data, 'meta.properties'))) {
    const { username, password } = LOCAL_SASL_USER
    const res = spawnSync(
      java,
      [
        `-Dlog4j2.configurationFile=${files.log4j}`,
        '-cp',
        classpath(libs),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(mode),
        '-c',
        files.properties,
        '--ignore-formatted',
        '--add-scram',
        `SCRAM-SHA-256=[name=${username},password=${password}]`,
        '--add-scram',
        `SCRAM-SHA-512=[name=${username},password=${password}]`,
      ],
      { encoding: 'utf8' },
    )
    if (res.status !== 0) throw new KafkaSetupError(`formatting KRaft storage failed:\n${res.stdout}${res.stderr}`)
  }
  return files
}

export function startNode(java: string, libs: string, files: NodeFiles, heap: string): number {
  const log = openSync(files.log, 'a')
  const child = spawn(
    java,
    [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${files.log4j}`,
      // A marker so that stop() can tell our broker from an unrelated process reusing the pid.
      `-Dkafkit.node=${files.dir}`,
      '-cp',
      classpath(libs),
      'kafka.Kafka',
      files.properties,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  )
  closeSync(log)
  child.unref()
  if (child.pid === undefined) throw new KafkaSetupError('could not start the Kafka JVM')
  writeFileSync(files.pid, String(child.pid))
  return child.pid
}

/** The pid of this node's JVM if it is running, else undefined. */
export function runningPid(files: NodeFiles): number | undefined {
  if (!existsSync(files.pid)) return undefined
  const pid = Number(readFileSync(files.pid, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes(`-Dkafkit.node=${files.dir}`) ? pid : undefined
  } catch {
    // No /proc (macOS): fall back to "is some process with that pid alive".
    try {
      process.kill(pid, 0)
      return pid
    } catch {
      return undefined
    }
  }
}

export async function stopNode(files: NodeFiles, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 30_000) {
  const pid = runningPid(files)
  if (pid === undefined) {
    rmSync(files.pid, { force: true })
    return false
  }
  process.kill(pid, signal)
  const until = Date.now() + graceMs
  while (runningPid(files) !== undefined && Date.now() < until) await sleep(100)
  if (runningPid(files) !== undefined) {
    process.kill(pid, 'SIGKILL')
    while (runningPid(files) !== undefined) await sleep(100)
  }
  rmSync(files.pid, { force: true })
  return true
}

export function tailLog(files: NodeFiles, lines = 30): string {
  if (!existsSync(files.log)) return '(no log)'
  return readFileSync(files.log, 'utf8').split('\n').slice(-lines).join('\n')
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
