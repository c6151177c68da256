// Reading older records as the version a handler asks for: validate as produced, upcast step by step,
// validate after every step.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, payloadFor, UpcastError } from '../../src/catalog/index.ts'
import { createEnvelope, type Envelope } from '../../src/envelope/index.ts'
import { ErrorCodes, PayloadError } from '../../src/errors.ts'

const rides = defineTopic({ name: 'txova.rides.v1', key: 'ride_id' })

// v1: fare as a number. v2: fare in cents plus a currency. v3: fare as an object.
const V1 = defineEvent({
  type: 'ride.completed',
  version: '1.0',
  topic: rides,
  schema: z.object({ ride_id: z.string(), fare: z.number() }),
})
const V2 = defineEvent({
  type: 'ride.completed',
  version: '2.0',
  topic: rides,
  schema: z.object({ ride_id: z.string(), fare_cents: z.number().int(), currency: z.string().length(3) }),
  upcast: { from: V1, up: (p) => ({ ride_id: p.ride_id, fare_cents: Math.round(p.fare * 100), currency: 'MZN' }) },
})
const V3 = defineEvent({
  type: 'ride.completed',
  version: '3.0',
  topic: rides,
  schema: z.object({ ride_id: z.string(), fare: z.object({ cents: z.number().int(), currency: z.string() }) }),
  upcast: { from: V2, up: (p) => ({ ride_id: p.ride_id, fare: { cents: p.fare_cents, currency: p.currency } }) },
})
createCatalog([V1, V2, V3]) // the chain is a valid catalog

const envelope = (version: string, payload: object): Envelope =>
  createEnvelope({ type: 'ride.completed', version, source: 'ride-service', payload })

test('a v1.0 record reaches v3.0 through both upcasters', async () => {
  const decoded = await payloadFor(envelope('1.0', { ride_id: 'r1', fare: 350.5 }), V3)
  assert.deepEqual(decoded, {
    payload: { ride_id: 'r1', fare: { cents: 35050, currency: 'MZN' } },
    upcastedFrom: ['1.0', '2.0'],
  })
})

test('a v2.0 record takes one step; a v3.x record none, synchronously', async () => {
  const fromV2 = await payloadFor(envelope('2.0', { ride_id: 'r1', fare_cents: 100, currency: 'ZAR' }), V3)
  assert.deepEqual(fromV2, { payload: { ride_id: 'r1', fare: { cents: 100, currency: 'ZAR' } }, upcastedFrom: ['2.0'] })
  const current = payloadFor(envelope('3.1', { ride_id: 'r1', fare: { cents: 1, currency: 'MZN' }, tip: 5 }), V3)
  assert.equal(current instanceof Promise, false, 'a sync schema and no upcast: no promise on the hot path')
  assert.deepEqual(current, { payload: { ride_id: 'r1', fare: { cents: 1, currency: 'MZN' } }, upcastedFrom: [] })
})

test('the upcaster also gets the envelope', async () => {
  const seen: Envelope[] = []
  const Source = defineEvent({
    type: 'ride.rated',
    version: '1.0',
    topic: rides,
    schema: z.object({ ride_id: z.string() }),
  })
  const Target = defineEvent({
    type: 'ride.rated',
    version: '2.0',
    topic: rides,
    schema: z.object({ ride_id: z.string(), rated_at: z.string() }),
    upcast: {
      from: Source,
      up: (p, env) => {
        seen.push(env)
        return { ...p, rated_at: env.timestamp }
      },
    },
  })
  const env = createEnvelope({ type: 'ride.rated', version: '1.0', source: 's', payload: { ride_id: 'r' } })
  assert.deepEqual((await payloadFor(env, Target)).payload, { ride_id: 'r', rated_at: env.timestamp })
  assert.deepEqual(seen, [env])
})

test('the record is validated as produced, before any upcaster runs', async () => {
  await assert.rejects(
    async () => payloadFor(envelope('1.0', { ride_id: 'r1', fare: 'cheap' }), V3),
    (err: unknown) => {
      assert.ok(err instanceof PayloadError)
      assert.equal(err.code, ErrorCodes.PAYLOAD_INVALID)
      assert.equal(err.retryable, false)
      assert.deepEqual(err.details, { eventType: 'ride.completed', version: '1.0' })
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['fare'],
      )
      return true
    },
  )
})

test('each step’s output is validated against that step’s schema', async () => {
  const Broken = defineEvent({
    type: 'ride.completed',
    version: '2.0',
    topic: rides,
    schema: V2.schema,
    upcast: { from: V1, up: (p) => ({ ride_id: p.ride_id, fare_cents: p.fare * 100, currency: 'MZN' }) },
  })
  await assert.rejects(
    async () => payloadFor(envelope('1.0', { ride_id: 'r1', fare: 0.123 }), Broken),
    (err: unknown) => err instanceof PayloadError && /ride\.completed v2\.0: fare_cents/.test(err.message),
  )
})

test('an upcaster that throws becomes a non-retryable UpcastError with the cause', async () => {
  const cause = new Error('no currency for this market')
  const Throwing = defineEvent({
    type: 'ride.completed',
    version: '2.0',
    topic: rides,
    schema: V2.schema,
    upcast: {
      from: V1,
      up: () => {
        throw cause
      },
    },
  })
  await assert.rejects(
    async () => payloadFor(envelope('1.0', { ride_id: 'r1', fare: 1 }), Throwing),
    (err: unknown) =>
      err instanceof UpcastError &&
      err.code === ErrorCodes.UPCAST_FAILED &&
      !err.retryable &&
      err.cause === cause &&
      /upcasting ride\.completed to v2\.0 failed: no currency/.test(err.message),
  )
})

test('a newer major cannot be read by an older handler, and says so', async () => {
  await assert.rejects(
    async () => payloadFor(envelope('3.0', { ride_id: 'r1', fare: { cents: 1, currency: 'MZN' } }), V2),
    (err: unknown) =>
      err instanceof UpcastError &&
      /ride\.completed v3\.0 cannot be read as v2\.0: it is a newer major version/.test(err.message) &&
      err.details['from'] === '3.0' &&
      err.details['to'] === '2.0',
  )
})

test('a gap in the upcaster chain is an error naming the versions', async () => {
  const V2NoUpcast = defineEvent({ type: 'ride.completed', version: '2.0', topic: rides, schema: V2.schema })
  await assert.rejects(
    async () => payloadFor(envelope('1.0', { ride_id: 'r1', fare: 1 }), V2NoUpcast),
    (err: unknown) => err instanceof UpcastError && /v1\.0 cannot be read as v2\.0: no upcaster path/.test(err.message),
  )
})
