// A test fixture in its own process: its stdout lines, its stderr, and its exit, observed by the test.
import { spawn, type ChildProcess } from 'node:child_process'
import type { TestContext } from 'node:test'
import { brokers } from './kafka.ts'

export interface Child {
  process: ChildProcess
  /** Lines printed on stdout so far. */
  lines: string[]
  stderr(): string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
  exitedYet(): boolean
}

/** Starts `script` with Node (kafkit from its sources) and KAFKA_BROKERS; killed when the test ends. */
export function startChild(t: TestContext, script: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=kafkit-source', script], {
    env: { ...process.env, KAFKA_BROKERS: brokers().join(','), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.after(() => void proc.kill('SIGKILL'))
  const lines: string[] = []
  let buffer = ''
  let stderr = ''
  proc.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const parts = buffer.split('\n')
    buffer = parts.pop()!
    lines.push(...parts)
  })
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  let done = false
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      done = true
      resolve(code)
    }),
  )
  return { process: proc, lines, stderr: () => stderr, exited, exitedYet: () => done }
}
