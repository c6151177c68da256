import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PartitionOffsets } from '../../src/consumer/offsets.ts'

test('the committable offset is the lowest unfinished one, whatever order records finish in', () => {
  const p = new PartitionOffsets()
  for (const offset of [10n, 11n, 12n, 13n]) p.dispatched(offset, 0)
  assert.equal(p.toCommit(), undefined, 'nothing finished yet')
  p.done(12n)
  p.done(11n)
  assert.equal(p.toCommit(), undefined, '10 is still running')
  p.done(10n)
  assert.equal(p.toCommit(), 13n, '10-12 done, 13 running')
  p.committed(13n)
  assert.equal(p.toCommit(), undefined, 'already committed')
  p.done(13n)
  assert.equal(p.toCommit(), 14n)
})

test('gaps in offsets (compaction, transaction markers) do not block commits', () => {
  const p = new PartitionOffsets()
  p.dispatched(5n, 0)
  p.dispatched(9n, 0)
  p.done(5n)
  assert.equal(p.toCommit(), 6n)
  p.done(9n)
  assert.equal(p.toCommit(), 10n)
})

test('re-deliveries of offsets already dispatched are recognised', () => {
  const p = new PartitionOffsets()
  assert.equal(p.isNew(0n), true)
  p.dispatched(0n, 0)
  p.dispatched(1n, 0)
  assert.equal(p.isNew(1n), false)
  assert.equal(p.isNew(0n), false)
  assert.equal(p.isNew(2n), true)
})

test('a long run of finished records is compacted and stays correct', () => {
  const p = new PartitionOffsets()
  for (let i = 0n; i < 10_000n; i++) p.dispatched(i, 0)
  for (let i = 9_999n; i >= 1n; i--) p.done(i)
  assert.equal(p.toCommit(), undefined)
  assert.equal(p.pending, 1)
  p.done(0n)
  assert.equal(p.toCommit(), 10_000n)
  assert.equal(p.pending, 0)
})

test('a skip (markers, aborted records stepped over) is committable only behind every record before it', () => {
  const offsets = new PartitionOffsets()
  offsets.dispatched(5n, 0)
  offsets.dispatched(6n, 0)
  offsets.done(5n)
  // The runner's handling of a skip at 9 (offsets 7 to 9 are a marker and an aborted transaction).
  offsets.dispatched(9n, 0)
  offsets.done(9n)
  assert.equal(offsets.toCommit(), 6n)
  offsets.done(6n)
  assert.equal(offsets.toCommit(), 10n)
  assert.equal(offsets.isNew(9n), false)
})
