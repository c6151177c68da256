// docs/producer.md#publishbatchitems: when some records of a batch fail, publishBatch rejects with a
// PublishError whose details.results holds each item's result or error, and the others are written.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { createTopic, uniqueName } from '../support/kafka.ts'
import { readRecords, testProducer, userEvents } from './support.ts'

test('a batch with a record for a missing topic: the error lists each outcome, and the other records are written', async (t) => {
  const topic = await createTopic(t, 'batch-partial', { partitions: 1 })
  const { UserRegistered } = userEvents(topic, 1)
  const { UserRegistered: Nowhere } = userEvents(uniqueName('batch-partial-missing'), 1)
  const producer = testProducer(t)
  const error = await producer
    .publishBatch([
      { event: UserRegistered, payload: { user_id: 'u1', email: 'a@b.co' } },
      { event: Nowhere, payload: { user_id: 'u2', email: 'c@d.co' } },
      { event: UserRegistered, payload: { user_id: 'u3', email: 'e@f.co' } },
    ])
    .then(
      () => assert.fail('the batch should reject'),
      (e: unknown) => e,
    )
  assert.ok(KafkitError.is(error))
  assert.equal(error.details['failed'], 1)
  const results = error.details['results'] as unknown[]
  assert.equal(results.length, 3)
  const [first, second, third] = results as [
    { offset: bigint; eventId: string },
    KafkitError,
    { offset: bigint; eventId: string },
  ]
  assert.ok(KafkitError.is(second) && second.code === ErrorCodes.PUBLISH_FAILED, 'the failed item has its error')
  assert.deepEqual([first.offset, third.offset], [0n, 1n], 'the others were written, where they say')
  const records = await readRecords(t, topic, 2)
  assert.deepEqual(
    records.map((r) => r.headers.get('event-id')),
    [first.eventId, third.eventId],
  )
})
