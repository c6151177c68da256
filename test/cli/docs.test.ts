// docs/cli.md's exit-code table and the codes the CLI returns are the same list.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ExitCodes } from '../../src/cli/exit.ts'

test('docs/cli.md documents every exit code, and no other', () => {
  const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('## Exit codes'))
  const documented = [...section.matchAll(/^\| `(\d+)`\s+\|/gm)].map((m) => Number(m[1]))
  assert.deepEqual(
    documented.sort((a, b) => a - b),
    Object.values(ExitCodes).sort((a, b) => a - b),
  )
})
