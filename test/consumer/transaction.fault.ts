// The long crash run (npm run test:tx-faults): a consume-transform-produce service SIGKILLed 5 times
// during 20,000 events, with a per-event handler and with a batch handler. Downstream,
// read_committed: 0 lost, 0 duplicates. The same run without
// transactions, as a control, shows the duplicates at-least-once leaves.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { crashRun } from './ctp-crash.ts'

const EVENTS = 20_000
const KILLS = 5

test('transactional: 5 SIGKILLs during 20,000 events, 0 lost and 0 duplicates downstream', async (t) => {
  const outcome = await crashRun(t, { events: EVENTS, kills: KILLS, transactional: true })
  t.diagnostic(JSON.stringify(outcome))
  assert.equal(outcome.kills.length, KILLS)
  assert.equal(outcome.lost, 0, 'no output lost')
  assert.equal(outcome.duplicates, 0, 'no output twice')
  assert.ok(outcome.handled > EVENTS, 'the killed services had handled events whose outputs they never committed')
})

test('transactional batch handlers (batches of 20): 5 SIGKILLs during 20,000 events, 0 lost and 0 duplicates', async (t) => {
  const outcome = await crashRun(t, { events: EVENTS, kills: KILLS, transactional: true, batch: 20 })
  t.diagnostic(JSON.stringify(outcome))
  assert.equal(outcome.kills.length, KILLS)
  assert.equal(outcome.lost, 0, 'no output lost')
  assert.equal(outcome.duplicates, 0, 'no output twice')
  assert.ok(outcome.handled > EVENTS, 'the killed services had handled events whose outputs they never committed')
})

test('control, at least once: the same 5 SIGKILLs duplicate outputs', async (t) => {
  const outcome = await crashRun(t, { events: EVENTS, kills: KILLS, transactional: false })
  t.diagnostic(JSON.stringify(outcome))
  assert.equal(outcome.lost, 0, 'no output lost')
  assert.ok(outcome.duplicates > 0, 'outputs written again after the crashes')
})
