// docs/testing.md shows its examples as the files `npm test` runs: each block matches its file.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'

const root = join(import.meta.dirname, '../..')

test('every example in docs/testing.md is the test file it names, as it is', () => {
  const doc = readFileSync(join(root, 'docs/testing.md'), 'utf8')
  const examples = [...doc.matchAll(/<!-- example: (\S+) -->\n\n```(?:ts|js)\n([\s\S]*?)```/g)]
  assert.deepEqual(
    examples.map((m) => m[1]),
    [
      'test/testing/examples/handler.test.ts',
      'test/testing/examples/catalog.ts',
      'test/testing/examples/payments.ts',
      'test/testing/examples/service.test.ts',
      'test/testing/examples/flow.test.ts',
      'test/testing/fixtures/user-project/orders.vitest.js',
    ],
  )
  for (const [, file, code] of examples) assert.equal(code, readFileSync(join(root, file!), 'utf8'), file)
})
