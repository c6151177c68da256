import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecordHeaders } from '../../src/consumer/headers.ts'

const entry = (name: string, value: string | null) =>
  [Buffer.from(name), value === null ? null : Buffer.from(value)] as const

test('the names kafkit reads per record are found wherever they are, the last one winning', () => {
  const headers = new RecordHeaders([
    entry('event-source', 'svc'),
    entry('content-type', 'application/json'),
    entry('kafkit-replay-group', 'a'),
    entry('kafkit-replay-group', 'b'),
    entry('x-other', 'y'),
  ])
  assert.equal(headers.get('content-type'), 'application/json')
  assert.equal(headers.get('kafkit-replay-group'), 'b')
  assert.equal(headers.has('ce_specversion'), false)
  assert.equal(headers.get('ce_specversion'), undefined)
  assert.equal(headers.get('kafkit-retry-tier'), undefined)
  assert.equal(headers.get('x-other'), 'y')
  assert.equal(headers.get('event-source'), 'svc')
  assert.equal(headers.get('missing'), undefined)
  assert.equal(headers.size, 4)
})

test('a name of the same length as a known one is not taken for it', () => {
  // 'event-source' and 'content-type' are both 12 bytes long.
  const headers = new RecordHeaders([entry('event-source', 'application/json'), entry('kafkit-retry-tiex', '1')])
  assert.equal(headers.has('content-type'), false)
  assert.equal(headers.get('kafkit-retry-tier'), undefined)
  assert.equal(headers.get('event-source'), 'application/json')
})

test('a known header value is decoded from its own bytes, whatever the record before carried', () => {
  const values = ['application/json', 'application/cloudevents+json', 'application/json', 'application/jsoo', '']
  for (const value of values) {
    assert.equal(new RecordHeaders([entry('content-type', value)]).get('content-type'), value)
  }
  assert.equal(new RecordHeaders([entry('content-type', null)]).get('content-type'), '')
  const long = 'x'.repeat(200)
  assert.equal(new RecordHeaders([entry('content-type', long)]).get('content-type'), long)
  assert.equal(new RecordHeaders([entry('content-type', 'é')]).get('content-type'), 'é')
})

test('a header value cached for its bytes does not change when the fetched buffer is reused', () => {
  const bytes = Buffer.from('application/json')
  assert.equal(new RecordHeaders([[Buffer.from('content-type'), bytes]]).get('content-type'), 'application/json')
  bytes.write('application/xson')
  assert.equal(new RecordHeaders([[Buffer.from('content-type'), bytes]]).get('content-type'), 'application/xson')
})
