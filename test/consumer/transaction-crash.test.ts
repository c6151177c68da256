// Exactly once across a hard crash (short run; the long one is `npm run test:tx-faults`): a
// consume-transform-produce service SIGKILLed mid-stream; downstream, read_committed, holds every
// output exactly once. The same service without transactions, as a control, writes duplicates.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crashRun } from './ctp-crash.ts'

const EVENTS = Number(process.env['CTP_EVENTS'] ?? 2000)

test('transactional: 1 SIGKILL during 2,000 events, 0 lost and 0 duplicates downstream', async (t) => {
  const outcome = await crashRun(t, { events: EVENTS, kills: 1, transactional: true })
  t.diagnostic(JSON.stringify(outcome))
  assert.equal(outcome.lost, 0, 'no output lost')
  assert.equal(outcome.duplicates, 0, 'no output twice')
  assert.ok(outcome.handled > EVENTS, 'the killed service had handled events whose outputs it never committed')
})

test('transactional batch handlers (batches of 20): 1 SIGKILL during 2,000 events, 0 lost and 0 duplicates', async (t) => {
  const outcome = await crashRun(t, { events: EVENTS, kills: 1, transactional: true, batch: 20 })
  t.diagnostic(JSON.stringify(outcome))
  assert.equal(outcome.lost, 0, 'no output lost')
  assert.equal(outcome.duplicates, 0, 'no output twice')
  assert.ok(outcome.handled > EVENTS, 'the killed service had handled events whose outputs it never committed')
})

test('control, at least once: the same crash duplicates outputs', async (t) => {
  const outcome = await crashRun(t, { events: EVENTS, kills: 1, transactional: false })
  t.diagnostic(JSON.stringify(outcome))
  assert.equal(outcome.lost, 0, 'no output lost')
  assert.ok(outcome.duplicates > 0, 'outputs written again after the crash')
})
