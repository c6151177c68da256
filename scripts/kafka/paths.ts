// Where the local Kafka lives: jars are cached once per machine, run state once per mode.
import { homedir } from 'node:os'
import { join } from 'node:path'

/** The Apache Kafka release the project tests against (also the `@platformatic/kafka` 2.x CI range). */
export const KAFKA_VERSION = '4.1.1'

export type Mode = 'single' | 'cluster'

export function kafkitHome(): string {
  return process.env['KAFKIT_HOME'] ?? join(homedir(), '.cache', 'kafkit')
}

export function libsDir(): string {
  return join(kafkitHome(), `kafka-${KAFKA_VERSION}`, 'libs')
}

export function runDir(mode: Mode): string {
  return join(kafkitHome(), 'run', mode)
}

export function nodeDir(mode: Mode, nodeId: number): string {
  return mode === 'single' ? runDir('single') : join(runDir('cluster'), `node-${nodeId}`)
}

/** Ports per node. Single: 9092 plaintext, 9093 controller, 9094 SASL. Cluster node n: 2909n, 2919n, 2929n. */
export interface NodePorts {
  client: number
  controller: number
  sasl: number
}

export function portsFor(mode: Mode, nodeId: number): NodePorts {
  if (mode === 'single') {
    const base = Number(process.env['KAFKIT_KAFKA_PORT'] ?? 9092)
    return { client: base, controller: base + 1, sasl: base + 2 }
  }
  return { client: 29090 + nodeId, controller: 29190 + nodeId, sasl: 29290 + nodeId }
}

export function nodeIds(mode: Mode): number[] {
  return mode === 'single' ? [1] : [1, 2, 3]
}

export function bootstrapFor(mode: Mode): string {
  return nodeIds(mode)
    .map((id) => `127.0.0.1:${portsFor(mode, id).client}`)
    .join(',')
}

/** Test-only SASL user of the local broker (SASL_PLAINTEXT listener, PLAIN and SCRAM-SHA-256/512). */
export const LOCAL_SASL_USER = { username: 'kafkit', password: 'kafkit-local-only' }
