// A private broker for tests that stop, kill or restart Kafka, or need its TLS listeners, without
// disturbing the shared one: their own KAFKIT_HOME (sharing the cached jars and, when made already,
// the local CA and broker certificate) and free ports, driven through the kafka CLI.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { freePortBase, privateHome } from '../../scripts/kafka/index.ts'
import { runScript, type RunResult } from './process.ts'

export interface IsolatedBroker {
  /** PLAINTEXT bootstrap list. */
  bootstrap: string
  /** SASL_PLAINTEXT, SSL and SASL_SSL bootstrap lists (user and password: LOCAL_SASL_USER). */
  saslPlaintext: string
  ssl: string
  saslSsl: string
  /** The CA certificate (PEM) that signed the broker certificate. */
  caFile: string
  env: NodeJS.ProcessEnv
  home: string
  /** Starts (or restarts, keeping its data) the broker(s) and waits until they answer. */
  start(): Promise<RunResult>
  /** Graceful stop (SIGTERM, controlled shutdown). */
  stop(): Promise<RunResult>
}

export { freePortBase }

export async function isolatedEnv(port?: number): Promise<{ env: NodeJS.ProcessEnv; home: string; port: number }> {
  const base = port ?? (await freePortBase())
  const home = privateHome()
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKIT_HOME: home, KAFKIT_KAFKA_PORT: String(base) }
  delete env['KAFKA_BROKERS']
  return { env, home, port: base }
}

/** Starts a private broker for this test; it is stopped and its files removed when the test ends. */
export async function startIsolatedBroker(t: TestContext): Promise<IsolatedBroker> {
  const { env, home, port } = await isolatedEnv()
  const at = (offset: number) => `127.0.0.1:${port + offset}`
  const control = (command: string) => async () => {
    const result = await runScript(['scripts/kafka.ts', command], env, 180_000)
    if (result.code !== 0) throw new Error(`kafka ${command} failed:\n${result.stdout}\n${result.stderr}`)
    return result
  }
  const broker: IsolatedBroker = {
    bootstrap: at(0),
    saslPlaintext: at(2),
    ssl: at(3),
    saslSsl: at(4),
    caFile: join(home, 'tls', 'ca.pem'),
    env,
    home,
    start: control('start'),
    stop: control('stop'),
  }
  t.after(async () => {
    await runScript(['scripts/kafka.ts', 'stop'], env).catch(() => undefined)
    rmSync(home, { recursive: true, force: true })
  })
  await broker.start()
  return broker
}
