// kcat (librdkafka's command-line client) as an independent producer and reader in tests: what
// librdkafka does, not what kafkit believes it does. `.ci/run` installs it; a local run without it
// skips the tests that need it, saying so, and a CI run (CI set) fails them instead.
import { spawn, spawnSync } from 'node:child_process'
import type { TestContext } from 'node:test'
import { brokers } from './kafka.ts'

export function kcatAvailable(): boolean {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0
}

/** True when kcat can be used; otherwise skips the test, or fails it under CI. */
export function requireKcat(t: TestContext): boolean {
  if (kcatAvailable()) return true
  const reason = 'kcat is not installed (apt-get install -y kcat; .ci/run installs it)'
  if (process.env['CI']) throw new Error(`${reason}: the librdkafka comparison cannot run`)
  t.skip(`${reason}: the librdkafka comparison did not run`)
  return false
}

export interface KcatRecord {
  partition: number
  offset: number
  key: string | null
  payload: string | null
}

/**
 * Produces one record per line with librdkafka's `partitioner` setting and waits for every
 * delivery (kcat exits non-zero if one fails). Keys and values must not contain tabs or newlines.
 */
export async function kcatProduce(
  topic: string,
  records: readonly { key: string; value: string }[],
  partitioner: string,
): Promise<void> {
  const input = records.map((r) => `${r.key}\t${r.value}\n`).join('')
  const args = ['-P', '-b', brokers().join(','), '-t', topic, '-K', '\t', '-X', `partitioner=${partitioner}`]
  await run(args, input)
}

/** Every record of the topic, from the beginning to its current end, as kcat's JSON envelope. */
export async function kcatRead(topic: string): Promise<KcatRecord[]> {
  const out = await run(['-C', '-b', brokers().join(','), '-t', topic, '-o', 'beginning', '-e', '-J', '-q'], '')
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as KcatRecord)
}

function run(args: string[], input: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] })
    // Collected as bytes: a multi-byte UTF-8 key may straddle two chunks.
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return resolve(Buffer.concat(stdout).toString('utf8'))
      const message = Buffer.concat(stderr).toString('utf8').slice(-2000)
      reject(new Error(`kcat ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${message}`))
    })
    child.stdin.end(input)
  })
}
