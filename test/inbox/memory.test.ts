// The in-memory inbox: a group's event runs its handler once while the process remembers it; a
// failed handling is not remembered (its retry runs); the least recently seen ids are forgotten
// first; another group handles the same event on its own.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compose, silentLogger, type Handler } from 'kafkit'
import { memoryInbox } from 'kafkit/outbox'

const ctx = (group: string) => ({ group, logger: silentLogger() }) as never
const event = (id: string) => ({ id, type: 'x.happened' }) as never

test('a redelivered event is acknowledged without calling the handler; failures are retried', async () => {
  const inbox = memoryInbox({ capacity: 3 })
  const calls: string[] = []
  const handler: Handler = (e) => {
    calls.push(e.id)
    if (e.id === 'bad' && calls.filter((c) => c === 'bad').length === 1) throw new Error('boom')
  }
  const run = compose([inbox.middleware()], handler)
  await run(event('a'), ctx('g'))
  await run(event('a'), ctx('g'))
  await run(event('a'), ctx('h'))
  await assert.rejects(Promise.resolve(run(event('bad'), ctx('g'))), /boom/)
  await run(event('bad'), ctx('g'))
  await run(event('bad'), ctx('g'))
  assert.deepEqual(calls, ['a', 'a', 'bad', 'bad'])
  assert.equal(inbox.size, 3)
})

test('at capacity the least recently seen id is forgotten first', async () => {
  const inbox = memoryInbox({ capacity: 2 })
  const calls: string[] = []
  const run = compose([inbox.middleware()], (e) => void calls.push(e.id))
  for (const id of ['a', 'b', 'a', 'c', 'a', 'b']) await run(event(id), ctx('g'))
  // 'a' was seen again before 'c' arrived, so 'b' was the one forgotten, then handled again.
  assert.deepEqual(calls, ['a', 'b', 'c', 'b'])
  assert.equal(inbox.has('g', 'c'), false, "'c' was the least recent when 'b' came back")
  assert.equal(inbox.has('g', 'a'), true)
})
