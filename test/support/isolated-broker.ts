// A private single broker for tests that stop, kill or restart Kafka without disturbing the shared
// one: its own KAFKIT_HOME (sharing the cached jars) and free ports, driven through the kafka CLI.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestContext } from 'node:test'
import { KAFKA_VERSION, libsDir } from '../../scripts/kafka/index.ts'
import { runScript, type RunResult } from './process.ts'

export interface IsolatedBroker {
  bootstrap: string
  env: NodeJS.ProcessEnv
  /** Starts (or restarts, keeping its data) the broker and waits until it answers. */
  start(): Promise<RunResult>
  /** Graceful stop (SIGTERM, controlled shutdown). */
  stop(): Promise<RunResult>
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A base port whose next two ports (controller, SASL) are free too. */
export async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 8000) * 3
    const free = await Promise.all([base, base + 1, base + 2].map(portFree))
    if (free.every(Boolean)) return base
  }
  throw new Error('no free ports found for an isolated broker')
}

export async function isolatedEnv(port?: number): Promise<{ env: NodeJS.ProcessEnv; home: string; port: number }> {
  const base = port ?? (await freePortBase())
  const home = mkdtempSync(join(tmpdir(), 'kafkit-home-'))
  const libs = join(home, `kafka-${KAFKA_VERSION}`, 'libs')
  mkdirSync(dirname(libs), { recursive: true })
  symlinkSync(libsDir(), libs)
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKIT_HOME: home, KAFKIT_KAFKA_PORT: String(base) }
  delete env['KAFKA_BROKERS']
  return { env, home, port: base }
}

/** Starts a private broker for this test; it is stopped and its files removed when the test ends. */
export async function startIsolatedBroker(t: TestContext): Promise<IsolatedBroker> {
  const { env, home, port } = await isolatedEnv()
  const control = (command: string) => async () => {
    const result = await runScript(['scripts/kafka.ts', command], env)
    if (result.code !== 0) throw new Error(`kafka ${command} failed:\n${result.stdout}\n${result.stderr}`)
    return result
  }
  const broker: IsolatedBroker = { bootstrap: `127.0.0.1:${port}`, env, start: control('start'), stop: control('stop') }
  t.after(async () => {
    await runScript(['scripts/kafka.ts', 'stop'], env).catch(() => undefined)
    rmSync(home, { recursive: true, force: true })
  })
  await broker.start()
  return broker
}
