import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WorkerPool, type Job, type LaneOwner, type StepOutcome } from '../../src/consumer/pool.ts'
import { ManualClock, settle } from '../support/clock.ts'

const noOwner: LaneOwner = { stalled() {} }

interface Probe {
  log: string[]
  running: number
  peak: number
}

/** A job that records its start/end, optionally asking to be retried after `retryAfter` ms once. */
function job(probe: Probe, lane: string, name: string, ms: number, retryAfter?: number): Job & { abandoned: boolean } {
  let retried = false
  const j = {
    lane,
    owner: noOwner,
    abandoned: false,
    interrupt() {},
    async step() {
      probe.running++
      probe.peak = Math.max(probe.peak, probe.running)
      probe.log.push(`start ${name}`)
      await new Promise((resolve) => setTimeout(resolve, ms))
      probe.running--
      if (retryAfter !== undefined && !retried) {
        retried = true
        probe.log.push(`retry ${name}`)
        return retryAfter
      }
      probe.log.push(`end ${name}`)
      return undefined
    },
    abandon() {
      j.abandoned = true
    },
  }
  return j
}

test('one lane runs in order; different lanes run side by side up to the concurrency', async () => {
  const probe: Probe = { log: [], running: 0, peak: 0 }
  const pool = new WorkerPool({ concurrency: 3, maxInFlight: 100 })
  for (let i = 0; i < 3; i++) pool.submit(job(probe, 'a', `a${i}`, 5))
  for (const lane of ['b', 'c', 'd', 'e']) pool.submit(job(probe, lane, lane, 10))
  await pool.idle()
  const aEvents = probe.log.filter((l) => l.includes(' a'))
  assert.deepEqual(aEvents, ['start a0', 'end a0', 'start a1', 'end a1', 'start a2', 'end a2'])
  assert.equal(probe.peak, 3)
})

test('a lane waiting to retry frees its worker for other lanes, and keeps its own order', async () => {
  const probe: Probe = { log: [], running: 0, peak: 0 }
  const pool = new WorkerPool({ concurrency: 1, maxInFlight: 100 })
  pool.submit(job(probe, 'slow', 's0', 1, 50))
  pool.submit(job(probe, 'slow', 's1', 1))
  pool.submit(job(probe, 'fast', 'f0', 1))
  await pool.idle()
  const order = probe.log.filter((l) => l.startsWith('end') || l.startsWith('retry'))
  assert.deepEqual(order, ['retry s0', 'end f0', 'end s0', 'end s1'])
})

test('submit reports full at maxInFlight, and capacity is signalled once it drains below the mark', async () => {
  const probe: Probe = { log: [], running: 0, peak: 0 }
  let resumed = 0
  const pool = new WorkerPool({ concurrency: 2, maxInFlight: 4, onCapacity: () => resumed++ })
  const results = [0, 1, 2, 3].map((i) => pool.submit(job(probe, `l${i}`, `j${i}`, 5)))
  assert.deepEqual(results, [true, true, true, false])
  assert.equal(pool.full, true)
  await pool.idle()
  assert.equal(resumed, 1)
  assert.equal(pool.inFlight, 0)
})

test('drop removes queued and waiting jobs of a selection, never the running one', async () => {
  const probe: Probe = { log: [], running: 0, peak: 0 }
  const pool = new WorkerPool({ concurrency: 1, maxInFlight: 100 })
  const waiting = job(probe, 'p1|b', 'wait', 1, 10_000)
  const running = job(probe, 'p0|a', 'run', 50)
  const queued = job(probe, 'p0|a', 'queued', 1)
  const kept = job(probe, 'p2|c', 'kept', 1)
  for (const j of [waiting, running, queued, kept]) pool.submit(j)
  // `wait` tried once and now waits on its long retry timer; `run` holds the only worker.
  while (!probe.log.includes('start run')) await new Promise((resolve) => setTimeout(resolve, 1))
  assert.deepEqual(probe.log, ['start wait', 'retry wait', 'start run'])
  const dropped = pool.drop((j) => j.lane.startsWith('p0') || j.lane.startsWith('p1'))
  assert.equal(dropped, 2)
  assert.equal(queued.abandoned, true)
  assert.equal(waiting.abandoned, true)
  assert.equal(running.abandoned, false)
  await pool.idle()
  assert.deepEqual(probe.log.slice(3), ['end run', 'start kept', 'end kept'])
})

/** A job whose steps the test scripts: each step settles with the next outcome of the list. */
function scripted(lane: string, owner: LaneOwner, outcomes: StepOutcome[]) {
  const j = {
    lane,
    owner,
    steps: 0,
    abandoned: false,
    step: () => Promise.resolve(outcomes[j.steps++]),
    abandon() {
      j.abandoned = true
    },
    interrupt() {},
  }
  return j
}

test('a job that gives up unfinished takes the records queued behind it in its lane with it', async () => {
  const pool = new WorkerPool({ concurrency: 1, maxInFlight: 10 })
  const first = scripted('k', noOwner, ['abandoned'])
  const behind = scripted('k', noOwner, [undefined])
  const other = scripted('other', noOwner, [undefined])
  for (const j of [first, behind, other]) pool.submit(j)
  await pool.idle()
  assert.equal(behind.steps, 0, 'the record behind never ran before the one that gave up')
  assert.equal(behind.abandoned, true)
  assert.equal(other.steps, 1)
})

test('a retrying lane reports the records queued behind it to its owner until its head is finished', async () => {
  const clock = new ManualClock()
  let stalled = 0
  const owner: LaneOwner = { stalled: (delta) => (stalled += delta) }
  const pool = new WorkerPool({ concurrency: 1, maxInFlight: 10, clock })
  const head = scripted('k', owner, [1000, 1000, undefined])
  pool.submit(head)
  await settle()
  assert.equal(stalled, 0, 'the retrying head itself is not counted')
  pool.submit(scripted('k', owner, [undefined]))
  pool.submit(scripted('k', owner, [undefined]))
  assert.equal(stalled, 2)
  await clock.advance(1000)
  assert.equal(stalled, 2, 'still retrying: a retry attempt ran and failed again')
  await clock.advance(1000)
  await pool.idle()
  assert.equal(stalled, 0, 'the head finished: nothing waits behind a retrying lane')
})

test('dropWaiting gives back every lane waiting to retry, with what queues behind it; close leaves no timer', async () => {
  const clock = new ManualClock()
  const pool = new WorkerPool({ concurrency: 2, maxInFlight: 10, clock })
  const waiting = scripted('w', noOwner, [5000])
  const behind = scripted('w', noOwner, [undefined])
  const other = scripted('o', noOwner, [3000, undefined])
  for (const j of [waiting, behind, other]) pool.submit(j)
  await settle()
  assert.equal(clock.pending, 2)
  assert.equal(pool.dropWaiting(), 3)
  assert.deepEqual([waiting.abandoned, behind.abandoned, other.abandoned], [true, true, true])
  assert.equal(clock.pending, 0)
  pool.submit(scripted('late', noOwner, [1000]))
  pool.close()
  assert.equal(clock.pending, 0, 'no retry timer outlives close()')
  const afterClose = scripted('after', noOwner, [undefined])
  pool.submit(afterClose)
  assert.equal(afterClose.abandoned, true, 'a job submitted after close is abandoned, never run')
  await pool.idle()
})
