import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic, parseVersion, compareVersions } from '../../src/catalog/index.ts'
import { CatalogError } from '../../src/errors.ts'

const users = defineTopic({ name: 'txova.users.v1', key: 'user_id' })
const schema = z.object({ user_id: z.string() })
const rejects = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof CatalogError && message.test(err.message))

test('an event definition records type, version (major and minor), topic and schema', () => {
  const event = defineEvent({ type: 'user.verified', version: '2.10', topic: users, schema, description: 'KYC done' })
  assert.equal(event.kind, 'event')
  assert.equal(event.type, 'user.verified')
  assert.equal(event.version, '2.10')
  assert.equal(event.major, 2)
  assert.equal(event.minor, 10)
  assert.equal(event.topic, users)
  assert.equal(event.schema, schema)
  assert.equal(event.upcast, undefined)
  assert.equal(event.description, 'KYC done')
  assert.ok(Object.isFrozen(event))
})

test('the type must be "domain.action" in lower case', () => {
  for (const type of ['UserVerified', 'user', 'user-verified', 'User.verified', 'user.', '']) {
    rejects(() => defineEvent({ type, version: '1.0', topic: users, schema }), /must be "domain\.action"/)
  }
})

test('the version must be "major.minor"', () => {
  for (const version of ['1', '1.0.0', 'v1.0', 'latest']) {
    rejects(() => defineEvent({ type: 'user.verified', version, topic: users, schema }), /must be "major\.minor"/)
  }
})

test('the schema must be a Standard Schema', () => {
  const notASchema = { parse: (v: unknown) => v } as never
  rejects(
    () => defineEvent({ type: 'user.verified', version: '1.0', topic: users, schema: notASchema }),
    /Standard Schema/,
  )
})

test('an upcast must come from an older major of the same type', () => {
  const v1 = defineEvent({ type: 'user.verified', version: '1.0', topic: users, schema })
  const other = defineEvent({ type: 'user.deleted', version: '1.0', topic: users, schema })
  const up = (p: { user_id: string }) => p
  rejects(
    () => defineEvent({ type: 'user.verified', version: '2.0', topic: users, schema, upcast: { from: other, up } }),
    /upcast source is user\.deleted, not the same type/,
  )
  const v3 = defineEvent({ type: 'user.verified', version: '3.0', topic: users, schema })
  rejects(
    () => defineEvent({ type: 'user.verified', version: '2.0', topic: users, schema, upcast: { from: v3, up } }),
    /must go to a newer major/,
  )
  // Minor versions are read with each other's schemas, so an upcaster between them would never run.
  rejects(
    () => defineEvent({ type: 'user.verified', version: '1.1', topic: users, schema, upcast: { from: v1, up } }),
    /must go to a newer major/,
  )
  const v2 = defineEvent({ type: 'user.verified', version: '2.0', topic: users, schema, upcast: { from: v1, up } })
  assert.equal(v2.upcast!.from, v1)
})

test('versions parse and compare numerically, not as text', () => {
  assert.deepEqual(parseVersion('1.10'), { major: 1, minor: 10 })
  assert.equal(parseVersion('1.0.0'), undefined)
  assert.ok(compareVersions({ major: 1, minor: 10 }, { major: 1, minor: 9 }) > 0)
  assert.ok(compareVersions({ major: 2, minor: 0 }, { major: 10, minor: 0 }) < 0)
  assert.equal(compareVersions({ major: 3, minor: 1 }, { major: 3, minor: 1 }), 0)
})
