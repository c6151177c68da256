// The fault suite's consumer processes report each handled record before their handler returns; a
// record reported that way must reach the test even when the process is SIGKILLed right after,
// however slowly the test reads (reports written to a pipe were lost: Node buffers them in the
// process once the pipe is full, and a SIGKILL drops the buffer).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { HandledLogReader } from './handled-log.ts'

const child = fileURLToPath(new URL('./handled-log-child.ts', import.meta.url))

test('records reported just before a SIGKILL are all read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kafkit-handled-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'handled.log')
  const count = 100_000
  const reader = new HandledLogReader(path)
  const process_ = spawn(process.execPath, [child], {
    env: { ...process.env, LOG: path, COUNT: String(count) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => process_.on('exit', (_, s) => resolve(s)))
  assert.equal(signal, 'SIGKILL')
  const facts = reader.read()
  assert.equal(facts.length, count)
  assert.deepEqual(facts.at(-1)!.fields, [
    `id-${count - 1}`,
    String((count - 1) % 6),
    `key-${(count - 1) % 100}`,
    String(count - 1),
  ])
  assert.ok(facts.every((f) => f.word === 'handled' && f.at > 0))
})
