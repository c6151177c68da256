import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, isPattern, matchesPattern } from '../../src/catalog/index.ts'
import { CatalogError } from '../../src/errors.ts'

const users = defineTopic({ name: 'txova.users.v1', key: 'user_id' })
const orders = defineTopic({ name: 'shop.orders.v1', key: 'order_id' })
const User = z.object({ user_id: z.string() })
const Order = z.object({ order_id: z.string() })

const def = (type: string, version: string) => defineEvent({ type, version, topic: users, schema: User })
const registered10 = def('user.registered', '1.0')
const registered12 = def('user.registered', '1.2')
const registered11 = def('user.registered', '1.1')
const registered20 = defineEvent({
  type: 'user.registered',
  version: '2.0',
  topic: users,
  schema: User,
  upcast: { from: registered12, up: (p) => p },
})
const verified = def('user.verified', '1.0')
const profileUpdated = def('user.profile_updated', '1.0')
const orderCreated = defineEvent({ type: 'order.created', version: '1.0', topic: orders, schema: Order })

const catalog = createCatalog([
  registered20,
  registered12,
  registered10,
  registered11,
  verified,
  profileUpdated,
  orderCreated,
])

test('the catalog lists types, topics and each type’s versions oldest first', () => {
  assert.deepEqual(catalog.types().sort(), [
    'order.created',
    'user.profile_updated',
    'user.registered',
    'user.verified',
  ])
  assert.deepEqual(
    catalog.versions('user.registered').map((e) => e.version),
    ['1.0', '1.1', '1.2', '2.0'],
  )
  assert.deepEqual(catalog.versions('user.unknown'), [])
  assert.equal(catalog.latest('user.registered'), registered20)
  assert.equal(catalog.latest('user.unknown'), undefined)
  assert.deepEqual(
    catalog
      .topics()
      .map((t) => t.name)
      .sort(),
    ['shop.orders.v1', 'txova.users.v1'],
  )
  assert.equal(catalog.topic('shop.orders.v1'), orders)
  assert.equal(catalog.topic('nope'), undefined)
  assert.equal(catalog.events.length, 7)
  assert.ok(Object.isFrozen(catalog.events))
})

test('find: the exact version, else the newest of the same major', () => {
  assert.equal(catalog.find('user.registered', '1.1'), registered11)
  assert.equal(catalog.find('user.registered', '1.7'), registered12, 'an unknown minor reads as the newest known')
  assert.equal(catalog.find('user.registered', '2.3'), registered20)
  assert.equal(catalog.find('user.registered', '3.0'), undefined)
  assert.equal(catalog.find('user.registered', 'junk'), undefined)
  assert.equal(catalog.find('user.unknown', '1.0'), undefined)
})

test('match: exact types, "domain.*" and "*"', () => {
  const types = (pattern: string) => [...new Set(catalog.match(pattern).map((e) => e.type))].sort()
  assert.deepEqual(types('user.*'), ['user.profile_updated', 'user.registered', 'user.verified'])
  assert.deepEqual(types('order.*'), ['order.created'])
  assert.deepEqual(types('*'), ['order.created', 'user.profile_updated', 'user.registered', 'user.verified'])
  assert.deepEqual(types('user.verified'), ['user.verified'])
  assert.deepEqual(types('*.created'), ['order.created'])
  assert.deepEqual(types('payment.*'), [])
  assert.equal(catalog.match('user.registered').length, 4, 'every version of a matched type')
})

test('patterns: segment wildcards, and a trailing "*" takes one or more segments', () => {
  assert.equal(matchesPattern('user.*', 'user.registered'), true)
  assert.equal(matchesPattern('user.*', 'users.registered'), false)
  assert.equal(matchesPattern('user.*', 'user.profile.updated'), true)
  assert.equal(matchesPattern('*.created', 'order.created'), true)
  assert.equal(matchesPattern('*.created', 'order.item.created'), false)
  assert.equal(matchesPattern('a.*.c', 'a.b.c'), true)
  assert.equal(matchesPattern('a.*.c', 'a.b.d'), false)
  assert.equal(matchesPattern('user.registered', 'user.registered'), true)
  assert.equal(matchesPattern('user.registered', 'user.registered.v2'), false)
  assert.equal(isPattern('user.*'), true)
  assert.equal(isPattern('user.registered'), false)
})

test('an invalid pattern is an error, not an empty match', () => {
  for (const pattern of ['user', 'User.*', 'user.**', '', 'user..x', 'user.reg*']) {
    assert.throws(() => catalog.match(pattern), CatalogError, pattern)
  }
})

test('duplicate definitions are rejected', () => {
  assert.throws(() => createCatalog([verified, def('user.verified', '1.0')]), /user\.verified v1\.0 is defined twice/)
  const usersAgain = defineTopic({ name: 'txova.users.v1', key: 'user_id' })
  const other = defineEvent({ type: 'user.deleted', version: '1.0', topic: usersAgain, schema: User })
  assert.throws(() => createCatalog([verified, other]), /two different definitions of topic txova\.users\.v1/)
})

test('an upcaster’s source must be in the catalog', () => {
  assert.throws(() => createCatalog([registered20]), /upcasts from v1\.2, which is not in the catalog/)
})

test('resolve: same major needs no steps; an older major goes through the upcasters; a newer one cannot', () => {
  assert.deepEqual(catalog.resolve(registered20, '2.0'), { source: registered20, steps: [] })
  assert.deepEqual(catalog.resolve(registered20, '2.5'), { source: registered20, steps: [] })
  assert.deepEqual(catalog.resolve(registered20, '1.0'), { source: registered12, steps: [registered20] })
  assert.equal(catalog.resolve(registered12, '2.0'), undefined)
  assert.equal(catalog.resolve(registered12, 'x'), undefined)
})
