// The assignment hooks: a hook that throws synchronously is reported like one that rejects.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { startChild } from '../support/child.ts'
import { createTopic, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'

test('an onAssign hook that throws synchronously is caught and reported; the consumer goes on', async (t) => {
  const topic = await createTopic(t, 'assign-throws', { partitions: 2 })
  await rawProducer(t).send(
    ['a', 'b', 'c', 'd'].map((k) => envelopeRecord(topic, k, 'test.happened', '1.0', { entity: k, seq: 0 })),
  )
  const script = fileURLToPath(new URL('./fixtures/throwing-assign-hook.ts', import.meta.url))
  const child = startChild(t, script, { TOPIC: topic, GROUP: uniqueName('assign-throws') })
  await waitFor(
    () => child.lines.filter((l) => l.startsWith('handled ')).length === 4 || child.exitedYet(),
    'the four records handled',
    { timeoutMs: 60_000 },
  )
  assert.equal(child.exitedYet(), false, `the process died: ${child.stderr().slice(-2000)}`)
  const reported = child
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; err?: { message?: string } })
  assert.ok(
    reported.some((r) => /onAssign/.test(r.msg ?? '') && r.err?.message === 'the assign hook threw'),
    `the failure was logged: ${child.stderr().slice(-2000)}`,
  )
  child.process.kill('SIGTERM')
  assert.equal(await child.exited, 0)
})
