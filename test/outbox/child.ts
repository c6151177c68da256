// A relay child process (fixtures/relay-process.ts) for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import { brokers } from '../support/kafka.ts'

const script = fileURLToPath(new URL('./fixtures/relay-process.ts', import.meta.url))

export interface RelayChild {
  process: ChildProcess
  ready: Promise<void>
  exited: Promise<number | null>
}

export function startRelayChild(t: TestContext, env: Record<string, string>): RelayChild {
  const proc = spawn(process.execPath, ['--conditions=kafkit-source', script], {
    env: { ...process.env, KAFKA_BROKERS: brokers().join(','), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.after(() => void proc.kill('SIGKILL'))
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve()
    })
    proc.on('exit', (code) => reject(new Error(`the relay process exited (${code}) before it was ready`)))
  })
  ready.catch(() => undefined)
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
  return { process: proc, ready, exited }
}
