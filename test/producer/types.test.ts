// Compile-time guarantees of publish: the payload type comes from the event's schema. The
// type-check (part of `npm test`) is the assertion: each @ts-expect-error fails the run if the
// mistake it marks ever compiles. The calls are compiled, never run.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import type { Producer, PublishResult } from '../../src/producer/index.ts'

const rides = defineTopic({ name: 'txova.rides.v1', key: 'ride_id' })
const RideCompleted = defineEvent({
  type: 'ride.completed',
  version: '1.0',
  topic: rides,
  schema: z.object({ ride_id: z.string(), fare: z.number(), note: z.string().default('') }),
})
const RideCancelled = defineEvent({
  type: 'ride.cancelled',
  version: '1.0',
  topic: rides,
  schema: z.object({ ride_id: z.string(), reason: z.enum(['driver', 'rider']) }),
})

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(): T => true as T

test('publish accepts the schema input and rejects anything else', () => {
  const calls = (producer: Producer) => {
    // The schema's input: `note` has a default, so it may be left out.
    const ok: Promise<PublishResult> = producer.publish(RideCompleted, { ride_id: 'r1', fare: 12.5 })
    // @ts-expect-error fare must be a number
    void producer.publish(RideCompleted, { ride_id: 'r1', fare: '12.5' })
    // @ts-expect-error ride_id is required
    void producer.publish(RideCompleted, { fare: 1 })
    // @ts-expect-error a payload of another event
    void producer.publish(RideCompleted, { ride_id: 'r1', reason: 'driver' })
    // @ts-expect-error reason is an enum
    producer.publishAsync(RideCancelled, { ride_id: 'r1', reason: 'weather' })
    return ok
  }
  assert.equal(typeof calls, 'function')
})

test('publishBatch checks each item against its own event', () => {
  const calls = async (producer: Producer) => {
    const results = await producer.publishBatch([
      { event: RideCompleted, payload: { ride_id: 'r1', fare: 3 } },
      { event: RideCancelled, payload: { ride_id: 'r2', reason: 'rider' } },
    ])
    assertType<Equal<typeof results, PublishResult[]>>()
    assert.equal(results.length, 2)
    const many = ['a', 'b'].map((id) => ({ event: RideCompleted, payload: { ride_id: id, fare: 1 } }))
    await producer.publishBatch(many)
    await producer.publishBatch([
      { event: RideCompleted, payload: { ride_id: 'r1', fare: 3 } },
      // @ts-expect-error the second item's payload belongs to RideCompleted, not RideCancelled
      { event: RideCancelled, payload: { ride_id: 'r2', fare: 3 } },
    ])
  }
  assert.equal(typeof calls, 'function')
})

test('a dead-lettered result carries the error and the original topic', () => {
  const read = (result: PublishResult) => {
    if (result.status === 'dead-lettered') return `${result.originalTopic}: ${result.error.code}`
    // @ts-expect-error only dead-lettered results have an error
    return String(result.error)
  }
  assert.equal(typeof read, 'function')
})
