// The local Kafka the project runs: reuse one that is up, else Docker, else the JVM from Maven jars.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { bootstrapFor, nodeIds, runDir, type Mode } from './paths.ts'
import {
  composeDown,
  composeRunning,
  composeServices,
  composeSignal,
  composeUp,
  dockerEngineAnswers,
} from './docker.ts'
import { filesOf, prepareNode, runningPid, startNode, stopNode, tailLog } from './jvm.ts'
import { probe, waitForCluster } from './probe.ts'
import { ensureKafkaJars, INSTALL_HINT, javaBinary, KafkaSetupError } from './runtime.ts'
import { ensureLocalTls, localTls } from './tls.ts'

export type Backend = 'external' | 'docker' | 'jvm'

export interface KafkaHandle {
  bootstrap: string
  backend: Backend
  mode: Mode
  /** True when this call started brokers (so the caller should stop them). */
  started: boolean
  /** The secured listeners of a broker kafka:start runs itself (the JVM backend). */
  secured?: SecuredListeners
}

export interface SecuredListeners {
  saslPlaintext: string
  ssl: string
  saslSsl: string
  /** The CA certificate (PEM) that signed the broker certificates. */
  caFile: string
}

/** The secured listeners, if the broker's configuration has them (a broker started by an older kafkit has not). */
function securedListeners(mode: Mode): SecuredListeners | undefined {
  const properties = filesOf(mode, nodeIds(mode)[0]!).properties
  if (!existsSync(properties) || !readFileSync(properties, 'utf8').includes('SASL_SSL://')) return undefined
  return {
    saslPlaintext: bootstrapFor(mode, 'sasl'),
    ssl: bootstrapFor(mode, 'ssl'),
    saslSsl: bootstrapFor(mode, 'saslSsl'),
    caFile: localTls().caFile,
  }
}

export interface StartOptions {
  mode?: Mode
  log?: (line: string) => void
  /** How long to wait for the cluster to answer after starting it. */
  deadlineMs?: number
}

const START_DEADLINE_MS = 120_000

export function externalBrokers(): string | undefined {
  const value = process.env['KAFKA_BROKERS']?.trim()
  return value ? value : undefined
}

/** Starts (or reuses) a local Kafka and resolves once it answers metadata requests. */
export async function ensureKafka(options: StartOptions = {}): Promise<KafkaHandle> {
  const mode = options.mode ?? 'single'
  const log = options.log ?? (() => undefined)
  const external = externalBrokers()
  if (external) {
    const result = await probe(external, 5000)
    if (!result.ok) {
      throw new KafkaSetupError(
        `Kafka at KAFKA_BROKERS=${external} does not answer: ${result.error ?? 'unknown error'}`,
      )
    }
    return { bootstrap: external, backend: 'external', mode, started: false }
  }
  const bootstrap = bootstrapFor(mode)
  const brokers = nodeIds(mode).length
  const deadline = options.deadlineMs ?? START_DEADLINE_MS

  const jvmPids = nodeIds(mode).map((id) => runningPid(filesOf(mode, id)))
  if (jvmPids.some((pid) => pid !== undefined)) {
    log(`reusing the running local Kafka (${mode}) at ${bootstrap}`)
    startMissingNodes(mode, log)
    await requireAnswer('jvm', mode, bootstrap, brokers, deadline)
    return withSecured({ bootstrap, backend: 'jvm', mode, started: false })
  }

  const already = await probe(bootstrap, 1500)
  if (already.ok && already.brokers >= brokers) {
    log(`a Kafka already answers at ${bootstrap}; reusing it`)
    return {
      bootstrap,
      backend: dockerEngineAnswers() && composeRunning(mode) ? 'docker' : 'jvm',
      mode,
      started: false,
    }
  }

  if (dockerEngineAnswers()) {
    log(`starting Kafka (${mode}) with Docker Compose ...`)
    if (!composeUp(mode)) throw new KafkaSetupError('`docker compose up` failed; see the output above')
    await requireAnswer('docker', mode, bootstrap, brokers, deadline)
    return { bootstrap, backend: 'docker', mode, started: true }
  }

  if (javaBinary() === undefined) throw new KafkaSetupError(INSTALL_HINT)
  startMissingNodes(mode, log)
  await requireAnswer('jvm', mode, bootstrap, brokers, deadline)
  log(`Kafka (${mode}) is up at ${bootstrap}; logs in ${runDir(mode)}`)
  return withSecured({ bootstrap, backend: 'jvm', mode, started: true })
}

function withSecured(handle: KafkaHandle): KafkaHandle {
  const secured = securedListeners(handle.mode)
  return secured ? { ...handle, secured } : handle
}

function startMissingNodes(mode: Mode, log: (line: string) => void) {
  const java = javaBinary()
  if (java === undefined) throw new KafkaSetupError(INSTALL_HINT)
  const libs = ensureKafkaJars(log)
  mkdirSync(runDir(mode), { recursive: true })
  const heap = mode === 'single' ? '1g' : '512m'
  const tls = ensureLocalTls(java, log)
  for (const id of nodeIds(mode)) {
    const files = filesOf(mode, id)
    if (runningPid(files) !== undefined) continue
    prepareNode(java, libs, mode, id, tls)
    const pid = startNode(java, libs, files, heap)
    log(`started broker ${id} (pid ${pid}); log: ${files.log}`)
  }
}

async function requireAnswer(backend: Backend, mode: Mode, bootstrap: string, brokers: number, deadlineMs: number) {
  // A JVM that exits while we wait fails the start at once instead of at the deadline.
  const alive = () => backend !== 'jvm' || nodeIds(mode).every((id) => runningPid(filesOf(mode, id)) !== undefined)
  const result = await waitForCluster(bootstrap, brokers, deadlineMs, alive)
  if (!result.ok) {
    const logs = nodeIds(mode)
      .map((id) => `--- broker ${id} (${filesOf(mode, id).log}) ---\n${tailLog(filesOf(mode, id))}`)
      .join('\n')
    throw new KafkaSetupError(`Kafka at ${bootstrap} did not come up: ${result.error ?? 'no answer'}\n${logs}`)
  }
}

export interface StopOptions {
  mode?: Mode
  clean?: boolean
  log?: (line: string) => void
}

/** Stops the local brokers this project started (never an external cluster). */
export async function stopKafka(options: StopOptions = {}): Promise<boolean> {
  const mode = options.mode ?? 'single'
  const log = options.log ?? (() => undefined)
  let stopped = false
  for (const id of nodeIds(mode)) {
    const files = filesOf(mode, id)
    const pid = runningPid(files)
    if (await stopNode(files)) {
      log(`stopped broker ${id} (pid ${pid})`)
      stopped = true
    }
  }
  if (!stopped && dockerEngineAnswers() && composeRunning(mode)) {
    stopped = composeDown(mode)
    if (stopped) log(`stopped the Docker Compose services ${composeServices(mode).join(', ')}`)
  }
  if (options.clean) {
    rmSync(runDir(mode), { recursive: true, force: true })
    log(`removed ${runDir(mode)}`)
  }
  return stopped
}

export interface NodeStatus {
  id: number
  pid: number | undefined
  log: string
}

export async function kafkaStatus(mode: Mode = 'single') {
  const bootstrap = externalBrokers() ?? bootstrapFor(mode)
  const answer = await probe(bootstrap, 3000)
  const nodes: NodeStatus[] = externalBrokers()
    ? []
    : nodeIds(mode).map((id) => ({ id, pid: runningPid(filesOf(mode, id)), log: filesOf(mode, id).log }))
  return { bootstrap, external: externalBrokers() !== undefined, answer, nodes }
}

export type BrokerAction = 'stop' | 'kill' | 'start' | 'pause' | 'resume'

/**
 * Fault injection for cluster tests: stop (SIGTERM, controlled shutdown), kill (SIGKILL), start,
 * pause (SIGSTOP: the process hangs, its sockets stay open) or resume (SIGCONT) one broker.
 */
export async function controlBroker(mode: Mode, nodeId: number, action: BrokerAction) {
  const files = filesOf(mode, nodeId)
  if (action === 'pause' || action === 'resume') {
    const pid = runningPid(files)
    if (pid === undefined) throw new KafkaSetupError(`broker ${nodeId} is not running`)
    process.kill(pid, action === 'pause' ? 'SIGSTOP' : 'SIGCONT')
    return
  }
  if (runningPid(files) === undefined && action !== 'start' && dockerEngineAnswers() && composeRunning(mode)) {
    composeSignal(composeServices(mode)[nodeId - 1] ?? 'kafka', action)
    return
  }
  if (action === 'start') {
    const java = javaBinary()
    if (java === undefined) throw new KafkaSetupError(INSTALL_HINT)
    if (runningPid(files) === undefined)
      startNode(
        java,
        ensureKafkaJars(() => undefined),
        files,
        '512m',
      )
    return
  }
  await stopNode(files, action === 'kill' ? 'SIGKILL' : 'SIGTERM')
}
