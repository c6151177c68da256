// The local backward-compatibility check: what the txova versioning rules allow within a major
// (an optional field), what they do not (a required field, a removed field, a changed type), and
// that each incompatibility names its field.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { backwardIncompatibilities } from '../../src/schema/compat.ts'
import type { JsonSchema } from '../../src/catalog/index.ts'

const json = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { target: 'draft-07', io: 'output' })

const Place = z.object({ lat: z.number(), lng: z.number(), address: z.string().optional() })
const v1 = z.object({
  ride_id: z.string(),
  fare: z.number(),
  rating: z.number().int(),
  service: z.enum(['moto', 'standard']),
  pickup: Place,
  stops: z.array(Place),
  review: z.string().max(2000).optional(),
})

function check(next: z.ZodType, previous: z.ZodType = v1) {
  return backwardIncompatibilities(json(next), json(previous))
}

test('compatible changes: an optional field, a wider type or enum, a looser bound, a field made optional', () => {
  assert.deepEqual(check(v1.extend({ tip: z.number().optional() })), [])
  assert.deepEqual(check(v1.extend({ rating: z.number() })), [], 'integer → number widens')
  assert.deepEqual(check(v1.extend({ service: z.enum(['moto', 'standard', 'xl']) })), [])
  assert.deepEqual(check(v1.extend({ review: z.string().max(5000).optional() })), [])
  assert.deepEqual(check(v1.extend({ fare: z.number().optional() })), [])
  assert.deepEqual(check(v1.extend({ review: z.string().max(2000).nullable().optional() })), [])
  assert.deepEqual(check(v1.extend({ pickup: Place.extend({ note: z.string().optional() }) })), [])
  assert.deepEqual(check(v1), [])
})

test('a required field added is named', () => {
  assert.deepEqual(check(v1.extend({ tip: z.number() })), [
    { path: 'tip', message: 'a required field was added (old records lack it)' },
  ])
})

test('a changed type is named with both types, also inside objects and arrays', () => {
  assert.deepEqual(check(v1.extend({ fare: z.string() })), [
    { path: 'fare', message: 'type changed from number to string' },
  ])
  assert.deepEqual(check(v1.extend({ pickup: Place.extend({ lat: z.string() }) })), [
    { path: 'pickup.lat', message: 'type changed from number to string' },
  ])
  assert.deepEqual(check(v1.extend({ stops: z.array(Place.extend({ lng: z.boolean() })) })), [
    { path: 'stops[].lng', message: 'type changed from number to boolean' },
  ])
  assert.deepEqual(check(v1.extend({ fare: z.number().int() })), [
    { path: 'fare', message: 'type changed from number to integer' },
  ])
})

test('a removed field, a removed enum value, a tighter bound and a field made required are named', () => {
  assert.deepEqual(check(v1.omit({ review: true })), [
    { path: 'review', message: 'field removed (old records carry it)' },
  ])
  assert.deepEqual(check(v1.extend({ service: z.enum(['standard']) })), [
    { path: 'service', message: 'value(s) "moto" no longer allowed' },
  ])
  assert.deepEqual(check(v1.extend({ review: z.string().max(100).optional() })), [
    { path: 'review', message: 'maxLength lowered to 100 (was 2000)' },
  ])
  assert.deepEqual(check(v1.extend({ review: z.string().max(2000) })), [
    { path: 'review', message: 'an optional field became required (old records may lack it)' },
  ])
  assert.deepEqual(check(v1.extend({ ride_id: z.string().min(3) })), [
    { path: 'ride_id', message: 'minLength raised to 3 (there was none)' },
  ])
})

test('an open object (additionalProperties allowed) cannot gain a constrained field', () => {
  const open = (extra: Record<string, z.ZodType>) => json(z.looseObject({ id: z.string(), ...extra }))
  assert.deepEqual(backwardIncompatibilities(open({ tip: z.number().optional() }), open({})), [
    {
      path: 'tip',
      message: 'field added to an open object (old records may hold it with another value): close the object',
    },
  ])
})

test('local references are followed', () => {
  const reader: JsonSchema = {
    type: 'object',
    properties: { a: { $ref: '#/definitions/A' } },
    required: ['a'],
    additionalProperties: false,
    definitions: { A: { type: 'string' } },
  }
  const writer: JsonSchema = { ...reader, definitions: { A: { type: 'number' } } }
  assert.deepEqual(backwardIncompatibilities(reader, writer), [
    { path: 'a', message: 'type changed from number to string' },
  ])
})
