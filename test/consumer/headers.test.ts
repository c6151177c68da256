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

test('a known name found past the 30th header, or several times across it, is found as the last one', () => {
  const filler = Array.from({ length: 40 }, (_, i) => entry(`x-filler-${i}`, String(i)))
  const late = new RecordHeaders([...filler, entry('content-type', 'application/json')])
  assert.equal(late.get('content-type'), 'application/json')
  assert.equal(late.has('content-type'), true)
  const across = new RecordHeaders([
    entry('kafkit-replay-group', 'early'),
    ...filler,
    entry('kafkit-replay-group', 'late'),
    entry('content-type', 'text/plain'),
  ])
  assert.equal(across.get('kafkit-replay-group'), 'late')
  assert.equal(across.get('content-type'), 'text/plain')
  assert.equal(across.get('ce_specversion'), undefined)
  const early = new RecordHeaders([entry('kafkit-retry-due', '5'), ...filler, entry('kafkit-retry-due', '9')])
  assert.equal(early.get('kafkit-retry-due'), '9', 'a later one past the 30th header wins over an earlier one')
  const each = new RecordHeaders([
    ...filler.slice(0, 29),
    entry('kafkit-retry-tier', '1'),
    entry('kafkit-retry-tier', '2'),
  ])
  assert.equal(each.get('kafkit-retry-tier'), '2', 'at index 29, then at index 30')
})
