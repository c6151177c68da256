// Compile-time guarantees of handler registration: `npm test` type-checks this file, so each marked
// mistake below (ts-expect-error) fails the run if it ever compiles. The handlers are registered on
// consumers that are never started; the run-time behaviour they mirror is tested in handlers.test.ts
// (projection), router.test.ts (patterns) and publish-result.test.ts (ctx.publish).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import {
  Consumer,
  createCatalog,
  defineEvent,
  defineTopic,
  silentLogger,
  type AnyEvent,
  type ConsumedEvent,
  type EventsMatching,
  type HandlerPublishResult,
  type ProjectedEventOf,
  type PublishResult,
} from 'kafkit'
import { createTestKafkit } from 'kafkit/testing'
import { project } from '../../src/consumer/decode.ts'

const orders = defineTopic({ name: 'types.orders', key: 'order_id' })
const payments = defineTopic({ name: 'types.payments', key: 'order_id' })

const PlacedV1 = defineEvent({
  type: 'orders.placed',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string(), total: z.number() }),
})
const PlacedV2 = defineEvent({
  type: 'orders.placed',
  version: '2.0',
  topic: orders,
  schema: z.object({ order_id: z.string(), amount: z.object({ value: z.number(), currency: z.string() }) }),
  upcast: { from: PlacedV1, up: (p) => ({ order_id: p.order_id, amount: { value: p.total, currency: 'EUR' } }) },
})
const Shipped = defineEvent({
  type: 'orders.shipped',
  version: '1.0',
  topic: orders,
  schema: z.object({
    order_id: z.string(),
    carrier: z.object({ name: z.string(), code: z.number(), phone: z.string().optional() }),
    address: z.object({ city: z.string(), zip: z.string() }).nullable(),
    note: z.string().optional(),
    lines: z.array(z.object({ sku: z.string() })),
  }),
})
const LineAdded = defineEvent({
  type: 'orders.line.added',
  version: '1.0',
  topic: orders,
  schema: z.object({ order_id: z.string(), sku: z.string() }),
})
const Captured = defineEvent({
  type: 'payments.captured',
  version: '1.0',
  topic: payments,
  schema: z.object({ order_id: z.string(), cents: z.number() }),
})

const catalog = createCatalog([PlacedV1, PlacedV2, Shipped, LineAdded, Captured])

// Expected payloads below are spelled out: zod's output types are equal to them, not identical.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const assertType = <T extends true>(): T => true as T

/** A consumer of the catalog above; its type parameter comes from the catalog. */
const consumerOf = () =>
  new Consumer({ client: { brokers: ['127.0.0.1:1'] }, catalog, service: 'types', logger: silentLogger() })

test('a consumer made from a typed catalog knows its events', () => {
  assertType<
    Equal<
      ReturnType<typeof consumerOf>,
      Consumer<typeof PlacedV1 | typeof PlacedV2 | typeof Shipped | typeof LineAdded | typeof Captured>
    >
  >()
  // A typed consumer is still a Consumer: functions taking any consumer take it.
  const any: Consumer<AnyEvent> = consumerOf()
  assert.ok(any)
})

test('a "domain.*" handler gets the union of the matching events, every version, discriminated by type', () => {
  consumerOf().on('orders.*', (event) => {
    type Got = typeof event
    assertType<
      Equal<
        Got,
        | ConsumedEvent<{ order_id: string; total: number }, 'orders.placed'>
        | ConsumedEvent<{ order_id: string; amount: { value: number; currency: string } }, 'orders.placed'>
        | ConsumedEvent<
            {
              order_id: string
              carrier: { name: string; code: number; phone?: string | undefined }
              address: { city: string; zip: string } | null
              lines: { sku: string }[]
              note?: string | undefined
            },
            'orders.shipped'
          >
        | ConsumedEvent<{ order_id: string; sku: string }, 'orders.line.added'>
      >
    >()
    // The common field needs no narrowing; the others do.
    const id: string = event.payload.order_id
    if (event.type === 'orders.line.added') assertType<Equal<typeof event.payload.sku, string>>()
    // @ts-expect-error `sku` is only in orders.line.added
    void event.payload.sku
    void id
  })
})

test('"*" matches every event, a middle "*" one segment, an exact type every version of it', () => {
  const c = consumerOf()
  c.on('*', (_event) => {
    assertType<
      Equal<typeof _event.type, 'orders.placed' | 'orders.shipped' | 'orders.line.added' | 'payments.captured'>
    >()
  })
  c.on('orders.*.added', (_event) => {
    assertType<Equal<typeof _event, ConsumedEvent<{ order_id: string; sku: string }, 'orders.line.added'>>>()
  })
  // A leading "*" is one segment too.
  c.on('*.captured', (_event) => {
    assertType<Equal<typeof _event.type, 'payments.captured'>>()
  })
  // A trailing "*" matches one or more segments; "orders.*" does not match "payments.captured".
  c.on('payments.*', (_event) => {
    assertType<Equal<typeof _event, ConsumedEvent<{ order_id: string; cents: number }, 'payments.captured'>>>()
  })
  // An exact type: the router hands over the latest version; the versions of a type cannot be told
  // apart by type, so the payload is the union of them (safe; register the definition to get one).
  c.on('orders.placed', (_event) => {
    assertType<Equal<typeof _event.type, 'orders.placed'>>()
    assertType<
      Equal<
        typeof _event.payload,
        { order_id: string; total: number } | { order_id: string; amount: { value: number; currency: string } }
      >
    >()
  })
  c.on(PlacedV2, (_event) => {
    assertType<Equal<typeof _event.payload, { order_id: string; amount: { value: number; currency: string } }>>()
  })
})

test('the types a pattern reaches are those the router matches at run time', () => {
  type Events = (typeof catalog.events)[number]
  type TypesOf<P extends string> = EventsMatching<Events, P>['type']
  const cases = {
    '*': ['orders.placed', 'orders.shipped', 'orders.line.added', 'payments.captured'],
    'orders.*': ['orders.placed', 'orders.shipped', 'orders.line.added'],
    'orders.*.added': ['orders.line.added'],
    '*.captured': ['payments.captured'],
    'orders.placed': ['orders.placed'],
  } as const
  assertType<Equal<TypesOf<'*'>, (typeof cases)['*'][number]>>()
  assertType<Equal<TypesOf<'orders.*'>, (typeof cases)['orders.*'][number]>>()
  assertType<Equal<TypesOf<'orders.*.added'>, (typeof cases)['orders.*.added'][number]>>()
  assertType<Equal<TypesOf<'*.captured'>, (typeof cases)['*.captured'][number]>>()
  assertType<Equal<TypesOf<'orders.placed'>, (typeof cases)['orders.placed'][number]>>()
  assertType<Equal<TypesOf<'invoices.*'>, never>>()
  for (const [pattern, types] of Object.entries(cases))
    assert.deepEqual(new Set(catalog.match(pattern).map((e) => e.type)), new Set(types), pattern)
  assert.deepEqual(catalog.match('invoices.*'), [])
})

test('a pattern that no event of the catalog matches does not compile (on() refuses it at run time too)', () => {
  const c = consumerOf()
  const mistakes = () => {
    // @ts-expect-error no "invoices" events in the catalog
    c.on('invoices.*', () => undefined)
    // @ts-expect-error an exact type that is not in the catalog
    c.on('orders.cancelled', () => undefined)
    // @ts-expect-error "orders.*" needs one more segment, as at run time
    c.onBatch('orders.placed.*', () => undefined)
  }
  assert.equal(typeof mistakes, 'function')
  // And at run time: the same patterns are refused when registered.
  assert.throws(() => c.on('invoices.*' as never, () => undefined), /no event in the catalog matches "invoices\.\*"/)
  assert.throws(() => c.on('orders.cancelled' as never, () => undefined), /no event type "orders.cancelled"/)
})

test('on a consumer of AnyEvent (a catalog not known at compile time), every pattern compiles, untyped', () => {
  const wide = new Consumer<AnyEvent>({
    client: { brokers: ['127.0.0.1:1'] },
    catalog,
    service: 't',
    logger: silentLogger(),
  })
  wide.on('orders.*', (_event) => {
    assertType<Equal<typeof _event.type, string>>()
  })
  // Compiles; at run time on() refuses it, as the catalog has no such events.
  assert.throws(() => wide.on('invoices.*', () => undefined), /no event in the catalog matches/)
})

test('a `fields` projection narrows the payload type to the fields listed, nested ones included', () => {
  const c = consumerOf()
  c.on(
    Shipped,
    (event) => {
      assertType<Equal<typeof event.payload, { order_id: string; carrier: { name: string } }>>()
      assertType<Equal<typeof event.type, 'orders.shipped'>>()
      // The envelope stays whole.
      assertType<Equal<typeof event.id, string>>()
      // @ts-expect-error `note` was not projected
      void event.payload.note
      // @ts-expect-error nor was `carrier.code`
      void event.payload.carrier.code
    },
    { fields: ['payload.order_id', 'payload.carrier.name'] },
  )
  // A parent listed whole wins over its nested paths, as at run time.
  c.on(
    Shipped,
    (_event) => {
      assertType<
        Equal<typeof _event.payload, { carrier: { name: string; code: number; phone?: string | undefined } }>
      >()
    },
    { fields: ['payload.carrier.name', 'payload.carrier'] },
  )
})

test('a projected field that may be absent is optional: optional fields, nullable parents, optional leaves', () => {
  consumerOf().on(
    Shipped,
    (_event) => {
      // `note` is optional; `address` is null sometimes (then left out); `carrier` holds only an
      // optional field (left out when it is absent); `lines` (an array) is taken whole.
      assertType<
        Equal<
          typeof _event.payload,
          {
            note?: string | undefined
            address?: { city: string }
            carrier?: { phone?: string | undefined }
            lines: { sku: string }[]
          }
        >
      >()
    },
    { fields: ['payload.note', 'payload.address.city', 'payload.carrier.phone', 'payload.lines'] },
  )
})

test('what project() builds has the projected type: absent values leave their field (and an emptied parent) out', () => {
  const fields = ['payload.note', 'payload.address.city', 'payload.carrier.phone', 'payload.lines'] as const
  type Projected = ProjectedEventOf<typeof Shipped, typeof fields>['payload']
  const base = { order_id: 'o1', carrier: { name: 'dhl', code: 7 }, lines: [{ sku: 's1' }] }
  // Each expected value is checked against the type (compile time) and what project() built (run time).
  const sparse: Projected = { lines: [{ sku: 's1' }] }
  assert.deepEqual(project({ payload: { ...base, address: null } }, fields).payload, sparse)
  const full: Projected = { note: 'n', address: { city: 'Maputo' }, carrier: { phone: '+258' }, lines: [{ sku: 's1' }] }
  const payload = {
    ...base,
    note: 'n',
    address: { city: 'Maputo', zip: '1100' },
    carrier: { ...base.carrier, phone: '+258' },
  }
  assert.deepEqual(project({ payload }, fields).payload, full)
})

test('projections only name payload fields that exist', () => {
  const c = consumerOf()
  const mistakes = () => {
    // @ts-expect-error no such field
    c.on(Shipped, () => undefined, { fields: ['payload.carrier.nmae'] })
    // @ts-expect-error paths go into the payload
    c.on(Shipped, () => undefined, { fields: ['id'] })
    // @ts-expect-error an array is taken whole, not indexed
    c.on(Shipped, () => undefined, { fields: ['payload.lines.0'] })
  }
  assert.equal(typeof mistakes, 'function')
})

test('a projection of a pattern narrows each matching event; batch handlers too', () => {
  const c = consumerOf()
  c.on(
    'payments.*',
    (_event) => {
      assertType<Equal<typeof _event, ConsumedEvent<{ cents: number }, 'payments.captured'>>>()
    },
    { fields: ['payload.cents'] },
  )
  c.onBatch(
    PlacedV2,
    (_events) => {
      assertType<Equal<(typeof _events)[number]['payload'], { amount: { currency: string } }>>()
    },
    { fields: ['payload.amount.currency'], maxSize: 10 },
  )
})

test('ctx.publish resolves with the delivery result, or with the staged event in a transactional consumer', () => {
  const c = consumerOf()
  c.on(PlacedV2, async (_event, ctx) => {
    const result = await ctx.publish(Captured, { order_id: 'o1', cents: 1 })
    assertType<Equal<typeof result, HandlerPublishResult>>()
    if (result.status === 'published') assertType<Equal<typeof result.offset, bigint>>()
    if (result.status === 'staged') assertType<Equal<typeof result.eventId, string>>()
    // @ts-expect-error a staged event has no offset yet: narrow first
    void result.offset
  })
  // Batch handlers too: a transactional consumer stages their publishes.
  c.onBatch(PlacedV2, async (_events, ctx) => {
    const sent = await ctx.publish(Captured, { order_id: 'o1', cents: 1 })
    assertType<Equal<typeof sent, HandlerPublishResult>>()
    if (sent.status === 'published') assertType<Equal<typeof sent.offset, bigint>>()
  })
})

test('kafkit/testing: a handler context publishes to the kit, with a delivery result', async () => {
  const kit = createTestKafkit({ catalog: [PlacedV1, PlacedV2, Captured] })
  const { ctx } = kit.handlerContext(PlacedV2, { order_id: 'o1', amount: { value: 1, currency: 'EUR' } })
  const result = await ctx.publish(Captured, { order_id: 'o1', cents: 1 })
  assertType<Equal<typeof result, PublishResult>>()
  assert.equal(result.status, 'published')
  await kit.close()
})
