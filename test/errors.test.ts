// Errors: codes, flags and causes; and docs/errors.md, which must list every code (and only those).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  CatalogError,
  ConfigError,
  EnvelopeError,
  ErrorCodes,
  errorMessage,
  isRetryable,
  KafkitError,
  NonRetryableError,
  PayloadError,
  UnknownEventTypeError,
} from '../src/errors.ts'

const root = join(import.meta.dirname, '..')

interface DocRow {
  code: string
  className: string
  retryable: string
}

/** The rows of the codes table in docs/errors.md. */
function documentedCodes(): DocRow[] {
  const rows: DocRow[] = []
  for (const line of readFileSync(join(root, 'docs/errors.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    const code = /^`(KAFKIT_[A-Z0-9_]+)`$/.exec(cells[1] ?? '')?.[1]
    if (code) rows.push({ code, className: (cells[2] ?? '').replace(/`/g, ''), retryable: cells[3] ?? '' })
  }
  return rows
}

/** `export class X extends Y` declarations under src/, as X → Y. */
function errorClassesInSource(): Map<string, string> {
  const parents = new Map<string, string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/export class (\w+) extends (\w+)/g))
          parents.set(m[1]!, m[2]!)
      }
    }
  }
  walk(join(root, 'src'))
  return parents
}

test('docs/errors.md lists every error code, once, and no code that no longer exists', () => {
  const documented = documentedCodes().map((r) => r.code)
  const codes: string[] = Object.values(ErrorCodes)
  const missing = codes.filter((c) => !documented.includes(c))
  const stale = documented.filter((c) => !codes.includes(c))
  const twice = documented.filter((c, i) => documented.indexOf(c) !== i)
  assert.deepEqual(missing, [], `add a row to docs/errors.md for: ${missing.join(', ')}`)
  assert.deepEqual(stale, [], `docs/errors.md lists codes not in ErrorCodes: ${stale.join(', ')}`)
  assert.deepEqual(twice, [], `docs/errors.md lists these codes twice: ${twice.join(', ')}`)
})

test('each documented class is a KafkitError class in src/, and each row says whether it is retryable', () => {
  const parents = errorClassesInSource()
  const isErrorClass = (name: string): boolean =>
    name === 'KafkitError' || (parents.has(name) && isErrorClass(parents.get(name)!))
  for (const row of documentedCodes()) {
    assert.ok(isErrorClass(row.className), `${row.code}: "${row.className}" is not a KafkitError class in src/`)
    assert.match(row.retryable, /^(yes|no|depends\b)/, `${row.code}: retryable must be yes, no or "depends: …"`)
  }
})

test('a KafkitError carries code, retryable flag, cause and details, and names its class', () => {
  const cause = new Error('socket closed')
  const err = new CatalogError('bad topic', { cause, details: { topic: 't' } })
  assert.ok(err instanceof KafkitError && err instanceof Error)
  assert.equal(err.code, ErrorCodes.CATALOG_INVALID)
  assert.equal(err.name, 'CatalogError')
  assert.equal(err.retryable, false, 'not retryable unless said so')
  assert.equal(err.cause, cause)
  assert.deepEqual(err.details, { topic: 't' })
  assert.equal('cause' in new KafkitError(ErrorCodes.SHUTDOWN, 'x'), false, 'no cause property when none is given')
  assert.equal(new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, 'x', { retryable: true }).retryable, true)
})

test('KafkitError.is recognises kafkit errors from another copy of the package', () => {
  assert.equal(KafkitError.is(new NonRetryableError('no')), true)
  const foreign = Object.assign(new Error('x'), { [Symbol.for('kafkit.error')]: true })
  assert.equal(KafkitError.is(foreign), true)
  assert.equal(KafkitError.is(new Error('x')), false)
  assert.equal(KafkitError.is('KAFKIT_SHUTDOWN'), false)
  assert.equal(KafkitError.is(null), false)
})

test('validation errors list their issues in the message and in `issues`', () => {
  const envelopeError = new EnvelopeError([
    { path: 'id', message: 'must be a UUID' },
    { path: '', message: 'top-level problem' },
  ])
  assert.equal(envelopeError.message, 'invalid event envelope: id: must be a UUID; top-level problem')
  assert.equal(envelopeError.issues.length, 2)
  const payloadError = new PayloadError('order.created', '1.0', [{ path: 'items[0].price', message: 'required' }], {
    details: { topic: 'shop.orders.v1' },
  })
  assert.equal(payloadError.message, 'invalid payload for order.created v1.0: items[0].price: required')
  assert.deepEqual(payloadError.details, { eventType: 'order.created', version: '1.0', topic: 'shop.orders.v1' })
  assert.deepEqual(new UnknownEventTypeError('user.merged').details, { eventType: 'user.merged' })
  const configError = new ConfigError('invalid producer options', [{ path: 'acks', message: 'must be all' }])
  assert.equal(configError.code, ErrorCodes.CONFIG_INVALID)
  assert.deepEqual(configError.issues, [{ path: 'acks', message: 'must be all' }])
})

test('NonRetryableError is never retryable', () => {
  const err = new NonRetryableError('card declined', { retryable: true } as never)
  assert.equal(err.retryable, false)
  assert.equal(err.code, ErrorCodes.NON_RETRYABLE)
})

test('isRetryable: kafkit errors say so; other errors may say so; anything else is transient', () => {
  assert.equal(isRetryable(new NonRetryableError('no')), false)
  assert.equal(isRetryable(new KafkitError(ErrorCodes.PUBLISH_TIMEOUT, 't', { retryable: true })), true)
  assert.equal(isRetryable(Object.assign(new Error('wire'), { canRetry: false })), false)
  assert.equal(isRetryable(Object.assign(new Error('wire'), { retryable: false, canRetry: true })), false)
  assert.equal(isRetryable(new Error('ECONNRESET')), true)
  assert.equal(isRetryable('a string'), true)
  assert.equal(isRetryable(undefined), true)
})

test('errorMessage describes any thrown value and never throws', () => {
  assert.equal(errorMessage(new Error('boom')), 'boom')
  assert.equal(errorMessage('plain'), 'plain')
  assert.equal(errorMessage({ code: 42 }), '{"code":42}')
  assert.equal(errorMessage(undefined), 'undefined')
  assert.equal(errorMessage(10n), '10')
  const cyclic: Record<string, unknown> = {}
  cyclic['self'] = cyclic
  assert.equal(errorMessage(cyclic), '[object Object]')
})
