// stopOnSignals (docs/consumer.md#shutdown): on SIGTERM or SIGINT it stops its targets in order, then
// exits 0; a step that fails is logged, the next ones still run, and the exit code is 1; a second
// signal exits at once. Each case runs in a process of its own (no broker needed).
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { startChild } from '../support/child.ts'
import { waitFor } from '../support/kafka.ts'

const script = fileURLToPath(new URL('./fixtures/signals-child.ts', import.meta.url))

async function ready(t: TestContext, mode: string) {
  const child = startChild(t, script, { MODE: mode })
  await waitFor(() => child.lines.includes('ready') || child.exitedYet(), 'the child ready', { timeoutMs: 30_000 })
  assert.ok(child.lines.includes('ready'), `the child failed: ${child.stderr()}`)
  return child
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: the targets stop one after the other, then the process exits 0`, async (t) => {
    const child = await ready(t, 'ok')
    child.process.kill(signal)
    assert.equal(await child.exited, 0)
    assert.deepEqual(child.lines.slice(1), ['closing first', 'closed first', 'stopping second', 'stopped second'])
  })
}

test('a target whose close fails: the next ones still stop, and the exit code is 1', async (t) => {
  const child = await ready(t, 'fail')
  child.process.kill('SIGTERM')
  assert.equal(await child.exited, 1)
  assert.deepEqual(child.lines.slice(1), ['closing first', 'stopping second', 'stopped second'])
})

test('a second signal exits at once (code 1), while a target is still closing', async (t) => {
  const child = await ready(t, 'hang')
  child.process.kill('SIGTERM')
  await waitFor(() => child.lines.includes('closing first'), 'the first target closing')
  child.process.kill('SIGTERM')
  assert.equal(await child.exited, 1)
  assert.ok(!child.lines.includes('stopping second'), 'the process did not wait for the rest')
})
