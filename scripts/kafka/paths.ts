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

/**
 * Ports per node. Single (from KAFKIT_KAFKA_PORT, default 9092): 9092 PLAINTEXT, 9093 controller,
 * 9094 SASL_PLAINTEXT, 9095 SSL, 9096 SASL_SSL. Cluster node n (from KAFKIT_KAFKA_CLUSTER_PORT,
 * default 29090): 2909n PLAINTEXT, 2919n controller, 2929n SASL_PLAINTEXT, 2939n SSL, 2949n SASL_SSL.
 */
export interface NodePorts {
  client: number
  controller: number
  sasl: number
  ssl: number
  saslSsl: number
}

export function portsFor(mode: Mode, nodeId: number): NodePorts {
  if (mode === 'single') {
    const base = Number(process.env['KAFKIT_KAFKA_PORT'] ?? 9092)
    return { client: base, controller: base + 1, sasl: base + 2, ssl: base + 3, saslSsl: base + 4 }
  }
  const base = Number(process.env['KAFKIT_KAFKA_CLUSTER_PORT'] ?? 29090) + nodeId
  return { client: base, controller: base + 100, sasl: base + 200, ssl: base + 300, saslSsl: base + 400 }
}

export function nodeIds(mode: Mode): number[] {
  return mode === 'single' ? [1] : [1, 2, 3]
}

/** The bootstrap list of a listener: PLAINTEXT by default. */
export function bootstrapFor(mode: Mode, listener: Exclude<keyof NodePorts, 'controller'> = 'client'): string {
  return nodeIds(mode)
    .map((id) => `127.0.0.1:${portsFor(mode, id)[listener]}`)
    .join(',')
}

/** Test-only SASL user of the local broker (SASL_PLAINTEXT and SASL_SSL, PLAIN and SCRAM-SHA-256/512). */
export const LOCAL_SASL_USER = { username: 'kafkit', password: 'kafkit-local-only' }
