// KRaft cluster ids for the local broker: valid for the storage tool's command line.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newClusterId } from '../../scripts/kafka/jvm.ts'

test('a cluster id that would start with "-" is drawn again (the storage tool would read it as an option)', () => {
  // 0xf8 encodes to '-' as the first base64url character.
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x41)]
  let calls = 0
  const id = newClusterId(() => draws[calls++]!)
  assert.equal(calls, 2)
  assert.equal(id, Buffer.alloc(16, 0x41).toString('base64url'))
  assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
})

test('cluster ids are 22 base64url characters, never starting with "-"', () => {
  for (let i = 0; i < 2000; i++) assert.match(newClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
})
