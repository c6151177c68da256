import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Router } from '../../src/consumer/router.ts'

const users = defineTopic({ name: 'acme.users.v1', key: 'user_id' })
const billing = defineTopic({ name: 'acme.billing.v1', key: 'user_id' })
const RegisteredV1 = defineEvent({
  type: 'user.registered',
  version: '1.0',
  topic: users,
  schema: z.object({ user_id: z.string() }),
})
const RegisteredV2 = defineEvent({
  type: 'user.registered',
  version: '2.0',
  topic: users,
  schema: z.object({ user_id: z.string(), country: z.string() }),
  upcast: { from: RegisteredV1, up: (p) => ({ ...p, country: 'unknown' }) },
})
const Deleted = defineEvent({
  type: 'user.deleted',
  version: '1.0',
  topic: users,
  schema: z.object({ user_id: z.string() }),
})
const Charged = defineEvent({
  type: 'invoice.charged',
  version: '1.0',
  topic: billing,
  schema: z.object({ user_id: z.string() }),
})
const catalog = createCatalog([RegisteredV1, RegisteredV2, Deleted, Charged])
const noop = () => undefined

test('an exact handler gets older majors upcast to its version; wildcards get the version as produced', () => {
  const router = new Router(catalog)
  const exact = router.add(RegisteredV2, noop)
  const wildcard = router.add('user.*', noop)
  const routing = router.route('user.registered', '1.0')
  assert.equal(routing.kind, 'routes')
  if (routing.kind !== 'routes') return
  assert.deepEqual(
    routing.matches.map((m) => [m.route.id, m.target.version]),
    [
      [exact.id, '2.0'],
      [wildcard.id, '1.0'],
    ],
  )
})

test('each match carries how the version reaches its target; a handler added later changes the routing', () => {
  const router = new Router(catalog)
  router.add(RegisteredV2, noop)
  const before = router.route('user.registered', '1.0')
  assert.ok(before.kind === 'routes')
  assert.deepEqual(
    before.matches.map((m) => [m.resolution?.source.version, m.resolution?.steps.map((s) => s.version)]),
    [['1.0', ['2.0']]],
    'a v1 record reaches v2 through one upcast',
  )
  assert.equal(router.route('user.registered', '1.0'), before, 'the same type and version: the same routing')
  const wildcard = router.add('user.*', noop)
  const after = router.route('user.registered', '1.0')
  assert.ok(after.kind === 'routes')
  assert.deepEqual(
    after.matches.map((m) => m.route.id),
    [0, wildcard.id],
    'the routing looked up last is not reused once the routes change',
  )
  assert.deepEqual(after.matches[1]!.resolution, { source: RegisteredV1, steps: [] })
  assert.equal(router.route('invoice.charged', '1.0').kind, 'unhandled')
  assert.equal(router.route('user.registered', '1.0'), after)
})

test('among handlers of several versions, the one of the same major wins', () => {
  const router = new Router(catalog)
  router.add(RegisteredV1, noop)
  const v2 = router.add(RegisteredV2, noop)
  const routing = router.route('user.registered', '2.0')
  assert.ok(routing.kind === 'routes')
  assert.deepEqual(
    routing.matches.map((m) => m.route.id),
    [v2.id],
  )
})

test('a version no handler can read is still routed (so the failure is explained), never silently skipped', () => {
  const router = new Router(catalog)
  router.add(RegisteredV1, noop)
  const routing = router.route('user.registered', '3.0')
  assert.ok(routing.kind === 'routes')
  assert.equal(routing.matches[0]?.target.version, '1.0')
})

test('unknown types and known types without a handler are told apart', () => {
  const router = new Router(catalog)
  router.add(Deleted, noop)
  assert.equal(router.route('user.exploded', '1.0').kind, 'unknown')
  assert.equal(router.route('invoice.charged', '1.0').kind, 'unhandled')
})

test('the topics come from the registrations; bad targets are refused', () => {
  const router = new Router(catalog)
  router.add('user.*', noop)
  assert.deepEqual(router.topics(), ['acme.users.v1'])
  router.add('*', noop)
  assert.deepEqual(router.topics().sort(), ['acme.billing.v1', 'acme.users.v1'])
  assert.throws(() => router.add('order.*', noop), /no event in the catalog matches "order\.\*"/)
  assert.throws(() => router.add('user.unknown', noop), /no event type "user\.unknown"/)
  const foreign = defineEvent({
    type: 'user.deleted',
    version: '1.0',
    topic: users,
    schema: z.object({ user_id: z.string() }),
  })
  assert.throws(() => router.add(foreign, noop), /not in this consumer's catalog/)
})
