// `kafkit console` as a user runs it: the address printed, the page served, Ctrl-C stops it with
// exit code 0; beyond loopback without a token it refuses to start (exit code 2).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { brokers, defer, waitFor } from '../support/kafka.ts'
import { repoRoot, runScript } from '../support/process.ts'

test('kafkit console prints its address, serves the overview, and stops on Ctrl-C', async (t) => {
  const env = { ...process.env, KAFKA_BROKERS: brokers().join(','), KAFKIT_CATALOG: '' }
  const child = spawn(process.execPath, ['--conditions=kafkit-source', 'src/cli/main.ts', 'console', '--port', '0'], {
    cwd: repoRoot,
    env,
  })
  let out = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (out += c.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  defer(t, () => child.kill('SIGKILL'))
  await waitFor(() => /kafkit console at http:\/\/127\.0\.0\.1:\d+/.test(out) || child.exitCode !== null, 'the address')
  const url = /kafkit console at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
  assert.ok(url, out)
  assert.match(out, /read-only \(--allow-writes to replay or reset offsets\)/)
  await waitFor(async () => (await (await fetch(url)).text()).includes('data-testid="topic-count"'), 'the overview')
  child.kill('SIGINT')
  assert.equal(await exited, 0, out)
})

test('kafkit console beyond loopback without a token does not start', async () => {
  const env = { ...process.env, KAFKA_BROKERS: brokers().join(','), KAFKIT_CONSOLE_TOKEN: '' }
  const result = await runScript(
    ['--conditions=kafkit-source', 'src/cli/main.ts', 'console', '--host', '0.0.0.0', '--port', '0'],
    env,
    60_000,
  )
  assert.equal(result.code, 2, result.stdout + result.stderr)
  assert.match(result.stderr, /listens on 0\.0\.0\.0, beyond this machine: give a token/)
})
