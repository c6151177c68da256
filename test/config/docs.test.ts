// docs/configuration.md lists every key with its variable, default and example, and nothing else.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { CONFIG_KEYS } from 'kafkit/config'
import { coerce } from '../../src/config/validate.ts'

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')
const section = doc.slice(doc.indexOf('## Every key'))
const rows = new Map(
  [...section.matchAll(/^\|\s*`([\w.]+)`\s*\|\s*`(\w+)`\s*\|\s*([^|]+?)\s*\|\s*`([^`]+)`\s*\|/gm)].map((m) => [
    m[1]!,
    { env: m[2]!, default: m[3]!.trim(), example: m[4]! },
  ]),
)

const shown = (value: unknown): string =>
  value === undefined
    ? '—'
    : `\`${Array.isArray(value) ? value.join(',') : JSON.stringify(value).replace(/^"|"$/g, '')}\``

test('every configuration key has a row with its variable, default and example', () => {
  for (const key of CONFIG_KEYS) {
    const row = rows.get(key.path)
    assert.ok(row, `docs/configuration.md has no row for ${key.path}`)
    assert.equal(row.env, key.env, `${key.path}: variable`)
    assert.equal(row.default, shown(key.default), `${key.path}: default`)
    assert.equal(row.example, key.example, `${key.path}: example`)
  }
})

test("every key's other variables and former names are on its row", () => {
  for (const key of CONFIG_KEYS) {
    const line = section.split('\n').find((l) => l.includes(`| \`${key.path}\` `))!
    const others = [...(key.envAliases ?? []), ...(key.deprecated?.paths ?? []), ...(key.deprecated?.env ?? [])]
    for (const name of others) assert.ok(line.includes(`\`${name}\``), `${key.path}: ${name} on its row`)
  }
})

test('the page lists no key that does not exist, and marks every secret', () => {
  const known = new Set(CONFIG_KEYS.map((k) => k.path))
  assert.deepEqual(
    [...rows.keys()].filter((path) => !known.has(path)),
    [],
  )
  for (const key of CONFIG_KEYS.filter((k) => k.secret)) {
    const line = section.split('\n').find((l) => l.includes(`| \`${key.path}\` `))!
    assert.match(line, /\*\*secret\.\*\*/, `${key.path} is marked secret`)
  }
})

test('every example in the table is itself a valid value of its key', () => {
  for (const key of CONFIG_KEYS) {
    assert.ok(key.schema.safeParse(coerce(key, key.example)).success, `${key.env}=${key.example}`)
  }
})
