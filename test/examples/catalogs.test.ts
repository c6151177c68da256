// The example catalogs are complete, every event's sample passes its schema and keys by the right
// field, and their types catch wrong payloads at compile time (the type-check is the assertion).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import {
  CodecRegistry,
  createEnvelope,
  defineEvent,
  dlqTopicOf,
  envelopeHeaders,
  payloadFor,
  resolveCodec,
  UpcastError,
  validateEnvelope,
  validateSchema,
  type AnyEvent,
  type Catalog,
  type InputOf,
  type PayloadOf,
} from 'kafkit'
import { orders, ordersCatalog, series, seriesCatalog, txova, txovaCatalog } from '../../examples/catalogs/index.ts'
import { orderSamples, seriesSamples, txovaSamples } from './samples.ts'

/** The 28 event types of seeds/txova-go-kafka.md, as the seed lists them. */
const SEED_TYPES = [
  'user.registered',
  'user.verified',
  'user.profile_updated',
  'user.suspended',
  'user.deleted',
  'driver.application_submitted',
  'driver.documents_submitted',
  'driver.approved',
  'driver.rejected',
  'driver.went_online',
  'driver.went_offline',
  'driver.location_updated',
  'ride.requested',
  'ride.driver_assigned',
  'ride.driver_arrived',
  'ride.started',
  'ride.completed',
  'ride.cancelled',
  'ride.rated',
  'payment.initiated',
  'payment.completed',
  'payment.failed',
  'payment.refunded',
  'payout.requested',
  'payout.completed',
  'safety.emergency_triggered',
  'safety.incident_reported',
  'safety.trip_shared',
]

/** The seed's topic table: topic → partition key. */
const SEED_TOPICS: Record<string, string> = {
  'txova.users.v1': 'user_id',
  'txova.drivers.v1': 'driver_id',
  'txova.rides.v1': 'ride_id',
  'txova.payments.v1': 'payment_id',
  'txova.safety.v1': 'incident_id',
  'txova.locations.v1': 'driver_id',
}

test('the txova catalog has all 28 event types of the seed, and nothing else', () => {
  assert.equal(SEED_TYPES.length, 28)
  assert.deepEqual([...txovaCatalog.types()].sort(), [...SEED_TYPES].sort())
})

test('the txova catalog has the 6 topics of the seed, 7-day retention and {topic}.dlq DLQs', () => {
  assert.deepEqual(
    txovaCatalog
      .topics()
      .map((t) => t.name)
      .sort(),
    Object.keys(SEED_TOPICS).sort(),
  )
  for (const topic of txovaCatalog.topics()) {
    assert.equal(topic.retentionMs, 7 * 86_400_000, topic.name)
    assert.equal(dlqTopicOf(topic), `${topic.name}.dlq`)
    // Topics keyed by a field name say so; payments and safety key by function (with a fallback).
    if (topic.keyField !== undefined) assert.equal(topic.keyField, SEED_TOPICS[topic.name], topic.name)
  }
  assert.equal(txova.DriverLocationUpdated.topic.name, 'txova.locations.v1')
  assert.equal(txova.PayoutRequested.topic.name, 'txova.payments.v1')
})

test('consumer groups are {service}-group for every service the seed names', () => {
  const seedGroups = ['user', 'driver', 'ride', 'payment', 'notification', 'safety', 'operations'].map(
    (s) => `${s}-service-group`,
  )
  const groups = txova.TXOVA_SERVICES.map((s) => txova.groupOf(s))
  for (const group of seedGroups) assert.ok(groups.includes(group as never), group)
  assert.equal(txova.groupOf('ride-service'), 'ride-service-group')
  for (const consumers of Object.values(txova.TOPIC_CONSUMERS)) {
    for (const service of consumers) assert.ok(txova.TXOVA_SERVICES.includes(service), service)
  }
})

type Samples = Record<string, { payload: Record<string, unknown>; keyField: string }>

function checkSamples(catalog: Catalog, samples: Samples) {
  assert.deepEqual(
    catalog.events.map((e) => `${e.type}@${e.version}`).sort(),
    Object.keys(samples).sort(),
    'one sample per definition',
  )
  for (const event of catalog.events) {
    const { payload, keyField } = samples[`${event.type}@${event.version}`]!
    const result = validateSchema(event.schema, payload)
    assert.ok(!(result instanceof Promise), 'example schemas are synchronous')
    assert.ok(result.ok, `${event.type}: ${JSON.stringify(!result.ok && result.issues)}`)
    const key = (event.topic.keyOf as (p: unknown) => string | undefined)(result.value)
    assert.equal(key, payload[keyField], `${event.type} v${event.version} is keyed by ${keyField}`)
  }
}

test('every txova event: its sample passes the schema and keys by the right field', () => {
  checkSamples(txovaCatalog, txovaSamples)
})

test('every Series and order-flow event: its sample passes the schema and keys by the right field', () => {
  checkSamples(seriesCatalog, seriesSamples)
  checkSamples(ordersCatalog, orderSamples)
})

test('user.registered v1.0 records are upcast to v2.0 with the country of the phone', async () => {
  const v1 = (phone: string) =>
    createEnvelope({
      type: 'user.registered',
      version: '1.0',
      source: 'user-service',
      payload: { user_id: 'u-1', phone, user_type: 'rider' },
    })
  const mz = await payloadFor(v1('+258841234567'), txova.UserRegisteredV2)
  assert.deepEqual(mz, {
    payload: { user_id: 'u-1', phone: '+258841234567', user_type: 'rider', country: 'MZ' },
    upcastedFrom: ['1.0'],
  })
  const za = await payloadFor<PayloadOf<typeof txova.UserRegisteredV2>>(v1('+27821234567'), txova.UserRegisteredV2)
  assert.equal(za.payload.country, 'ZA')
  await assert.rejects(async () => payloadFor(v1('+447700900123'), txova.UserRegisteredV2), UpcastError)
  assert.equal(txovaCatalog.latest('user.registered'), txova.UserRegisteredV2)
})

test('Series messages travel with the BaseMessage field names and decode back', () => {
  assert.equal(series.messagesTopic.codec, 'series')
  const codec = resolveCodec(series.messagesTopic.codec)
  const envelope = createEnvelope({
    type: 'message.received',
    version: '1.0',
    source: 'sendblue',
    payload: seriesSamples['message.received@1.0']!.payload,
  })
  const encoded = codec.encode(envelope)
  const wire = JSON.parse(encoded.value.toString()) as Record<string, unknown>
  assert.equal(wire['event_type'], 'message.received')
  assert.equal(wire['source_service'], 'sendblue')
  const headers = new Map(Object.entries(envelopeHeaders(envelope, codec.contentType)))
  const decoded = validateEnvelope(new CodecRegistry().forRecord(headers).decode(encoded.value, headers))
  assert.deepEqual(decoded, envelope)
})

test('Series payloads are checked per provider', () => {
  const sendblue = seriesSamples['message.received@1.0']!.payload
  const mixed = { ...sendblue, message_handle: undefined, chat_id: 'chat-1' }
  const result = validateSchema(series.MessageReceived.schema, mixed)
  assert.ok(!(result instanceof Promise) && !result.ok)
  assert.deepEqual(
    result.issues.map((i) => i.path),
    ['message_handle'],
  )
})

test('order.created: the total must match the items, and bad items are named by path', () => {
  const order = orderSamples['order.created@1.0']!.payload
  const wrongTotal = validateSchema(orders.OrderCreated.schema, { ...order, total: 300 })
  assert.ok(!(wrongTotal instanceof Promise) && !wrongTotal.ok)
  assert.deepEqual(wrongTotal.issues, [
    { path: 'total', message: 'must equal the sum of quantity × price over the items' },
  ])
  const badPrice = validateSchema(orders.OrderCreated.schema, {
    ...order,
    items: [{ product_id: 'p', quantity: 1, price: 'free' }],
  })
  assert.ok(!(badPrice instanceof Promise) && !badPrice.ok)
  assert.equal(badPrice.issues[0]!.path, 'items[0].price')
})

test('wrong payloads do not compile, and the schemas reject them at run time too', () => {
  // Each @ts-expect-error fails the type-check (part of `npm test`) if the mistake ever compiles.
  const fareAsText: InputOf<typeof txova.RideCompleted> = {
    ride_id: 'r',
    end_time: '2026-01-31T12:00:00Z',
    distance_km: 1,
    duration_mins: 1,
    // @ts-expect-error fare must be a number
    fare: '9',
  }
  const guest: InputOf<typeof txova.UserRegistered> = {
    user_id: 'u',
    phone: '+258841234567',
    // @ts-expect-error user_type is rider, driver or admin
    user_type: 'guest',
  }
  // @ts-expect-error v2.0 requires country
  const noCountry: InputOf<typeof txova.UserRegisteredV2> = { user_id: 'u', phone: '+258841234567', user_type: 'rider' }
  const adminCancelled: InputOf<typeof txova.RideCancelled> = {
    ride_id: 'r',
    // @ts-expect-error cancelled_by is rider, driver or system
    cancelled_by: 'admin',
    reason: 'x',
    cancellation_fee: 0,
  }
  const pairLocation: InputOf<typeof txova.DriverLocationUpdated> = {
    driver_id: 'd',
    // @ts-expect-error a location is { lat, lng }
    location: [-25.9, 32.5],
    heading: 0,
    speed: 0,
  }
  const noProduct: InputOf<typeof orders.OrderCreated> = {
    order_id: 'o',
    customer_id: 'c',
    // @ts-expect-error order items need a product id
    items: [{ quantity: 1, price: 1 }],
    total: 1,
  }
  const cases: [AnyEvent, unknown][] = [
    [txova.RideCompleted, fareAsText],
    [txova.UserRegistered, guest],
    [txova.UserRegisteredV2, noCountry],
    [txova.RideCancelled, adminCancelled],
    [txova.DriverLocationUpdated, pairLocation],
    [orders.OrderCreated, noProduct],
  ]
  for (const [event, payload] of cases) {
    const result = validateSchema(event.schema, payload)
    assert.ok(!(result instanceof Promise) && !result.ok, event.type)
  }
})

test('an event a topic cannot key does not compile', () => {
  // Compiled, never called: the type-check is the assertion.
  const mistakes = [
    () =>
      defineEvent({
        type: 'payment.disputed',
        version: '1.0',
        // @ts-expect-error neither payment_id nor payout_id: the payments topic cannot key it
        topic: txova.paymentsTopic,
        schema: z.object({ ride_id: z.string() }),
      }),
    () =>
      defineEvent({
        type: 'ride.paused',
        version: '1.0',
        // @ts-expect-error the rides topic keys by ride_id, which this payload lacks
        topic: txova.ridesTopic,
        schema: z.object({ driver_id: z.string() }),
      }),
  ]
  assert.equal(mistakes.length, 2)
})

test('payload types narrow on the Series provider', () => {
  const read = (p: PayloadOf<typeof series.MessageReceived>) => {
    if (p.provider === 'sendblue') {
      // @ts-expect-error chat_id is Linq's, not SendBlue's
      return p.message_handle + p.chat_id
    }
    return p.chat_id
  }
  assert.equal(typeof read, 'function')
})
