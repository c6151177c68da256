// The admit stage of a paused partition: a record read while paused is given back (delivered again
// from its offset once fetching resumes); a skip (the stand-in for transaction markers and aborted
// records that end a fetch) is not, since a rewind must land on a record the member can prove its
// new fetch by. Resuming fetches from one past the last record taken, so the markers come again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { systemClock } from '../../src/util/clock.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Assignment, type FetchControl } from '../../src/consumer/partitions.ts'

const TOPIC = 'orders'

function fetched(offset: bigint, skip = false): FetchedRecord {
  return {
    topic: TOPIC,
    partition: 0,
    offset,
    timestamp: 0n,
    leaderEpoch: 0,
    key: null,
    value: Buffer.from('{}'),
    headerEntries: [],
    ...(skip && { skip: true as const }),
  }
}

function controlled() {
  const calls: string[] = []
  const control: FetchControl = {
    pause: (_partition, from) => void calls.push(`pause${from === undefined ? '' : ` from ${from}`}`),
    resume: (_partition, position) => void calls.push(`resume at ${position}`),
  }
  const assignment = new Assignment(control, systemClock, 100)
  const [partition] = assignment.add([{ topic: TOPIC, partition: 0 }], 1)
  return { assignment, partition: partition!, calls }
}

test('paused: a record is given back at its offset, a skip is dropped; resuming fetches from one past the last record taken', () => {
  const { assignment, partition, calls } = controlled()
  assert.equal(assignment.admit(fetched(0n), 1, undefined), partition)
  partition.offsets.dispatched(0n, 0)

  partition.pausedByUser(true)
  assert.equal(assignment.admit(fetched(1n), 1, undefined), undefined, 'a record read while paused waits')
  assert.equal(assignment.admit(fetched(3n, true), 1, undefined), undefined, 'so does a skip')
  partition.pausedByUser(false)

  assert.deepEqual(calls, ['pause', 'pause from 1', 'resume at 1'])
})

test('paused: a skip alone asks for no rewind; the resume position fetches its offsets again', () => {
  const { assignment, partition, calls } = controlled()
  assert.equal(assignment.admit(fetched(4n), 1, undefined), partition)
  partition.offsets.dispatched(4n, 0)

  partition.pausedByUser(true)
  assert.equal(assignment.admit(fetched(6n, true), 1, undefined), undefined)
  partition.pausedByUser(false)

  assert.deepEqual(calls, ['pause', 'resume at 5'])
})
