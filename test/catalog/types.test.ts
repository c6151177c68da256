// Compile-time guarantees: payload types come from the schemas. `npm test` type-checks this file,
// so each @ts-expect-error below fails the run if the mistake it marks ever compiles.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, type InputOf, type PayloadOf } from '../../src/catalog/index.ts'

const rides = defineTopic({ name: 'txova.rides.v1', key: 'ride_id' })
const RideCompleted = defineEvent({
  type: 'ride.completed',
  version: '1.0',
  topic: rides,
  schema: z.object({ ride_id: z.string(), fare: z.number(), note: z.string().default('') }),
})

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(): T => true as T

test('payload and input types are inferred from the schema', () => {
  assertType<Equal<PayloadOf<typeof RideCompleted>, { ride_id: string; fare: number; note: string }>>()
  assertType<Equal<InputOf<typeof RideCompleted>, { ride_id: string; fare: number; note?: string | undefined }>>()
  assertType<Equal<typeof RideCompleted.type, 'ride.completed'>>()
  assert.equal(RideCompleted.topic.name, 'txova.rides.v1')
})

test('an event whose payload lacks the topic key does not compile', () => {
  // Compiled, never called: the type-check (part of `npm test`) is the assertion.
  const mistake = () =>
    defineEvent({
      type: 'ride.rated',
      version: '1.0',
      // @ts-expect-error the schema has no ride_id, which the topic's key needs
      topic: rides,
      schema: z.object({ rating: z.number() }),
    })
  assert.equal(typeof mistake, 'function')
})

test('a function key is typed by its parameter', () => {
  const users = defineTopic({ name: 'txova.users.v1', key: (p: { user_id: string }) => p.user_id })
  const ok = defineEvent({
    type: 'user.deleted',
    version: '1.0',
    topic: users,
    schema: z.object({ user_id: z.string() }),
  })
  assert.equal(ok.topic.keyOf({ user_id: 'u1' } as never), 'u1')
  const mistake = () =>
    // @ts-expect-error user_id must be a string for this key function
    defineEvent({ type: 'user.verified', version: '1.0', topic: users, schema: z.object({ user_id: z.number() }) })
  assert.equal(typeof mistake, 'function')
})
