// docs/dlq.md describes every header a failure record can carry, and no other.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { DlqHeaders } from '../../src/dlq/index.ts'

test('docs/dlq.md names every kafkit-dlq-* header the format writes, and none it does not', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/dlq.md'), 'utf8')
  const documented = new Set([...doc.matchAll(/`(kafkit-dlq-[a-z-]+)`/g)].map((m) => m[1]!))
  const written = new Set<string>(Object.values(DlqHeaders))
  assert.deepEqual(
    [...written].filter((h) => !documented.has(h)),
    [],
    'written but not documented',
  )
  assert.deepEqual(
    [...documented].filter((h) => !written.has(h)),
    [],
    'documented but not written',
  )
})
