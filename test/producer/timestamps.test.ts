// Record timestamps survive any mix of event times in one request. The wire client encodes each
// record's timestamp as a delta from the first record of its batch, with a varint that is wrong for
// deltas of 2^31 ms (about 24.8 days) or more; kafkit never puts such records in one batch.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { uniqueName } from '../support/kafka.ts'
import { provision, readRecords, testProducer, userEvents } from './support.ts'

const DAY_MS = 24 * 60 * 60 * 1000

test('events published together keep their times when they are weeks apart', async (t) => {
  const { users, UserRegistered } = userEvents(uniqueName('timestamps'), 1)
  await provision(t, [users])
  const producer = testProducer(t)
  const now = Date.now()
  // Neighbours differ by 2^31 ms or more, in both directions (the broker refuses times far ahead).
  const times = [now, now - 30 * DAY_MS, now - 400 * DAY_MS, now - 10 * DAY_MS, now]
  await producer.publishBatch(
    times.map((time, i) => ({
      event: UserRegistered,
      payload: { user_id: 'same-key', email: 'a@b.co', note: String(i) },
      options: { timestamp: new Date(time) },
    })),
  )
  const records = await readRecords(t, users.name, times.length)
  assert.deepEqual(
    records.map((r) => Number(r.timestamp)),
    times,
    'every record carries its event time',
  )
})

test('raw records sent together keep their timestamps when they are weeks apart', async (t) => {
  const { users } = userEvents(uniqueName('raw-timestamps'), 1)
  await provision(t, [users])
  const producer = testProducer(t)
  const now = Date.now()
  const times = [now - 90 * DAY_MS, now, now - 60 * DAY_MS]
  await producer.sendRecords(
    times.map((time, i) => ({ topic: users.name, key: 'k', value: Buffer.from(String(i)), timestamp: new Date(time) })),
  )
  const records = await readRecords(t, users.name, times.length)
  assert.deepEqual(
    records.map((r) => Number(r.timestamp)),
    times,
  )
})
