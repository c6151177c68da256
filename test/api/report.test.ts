// The public surface is reviewed: api/*.api.md must match what the entry points export, and the
// check must fail when they differ (here a report copy is changed, as a forgotten update would be).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'

const root = resolve(import.meta.dirname, '../..')

function check(...extra: string[]) {
  const run = spawnSync(process.execPath, ['scripts/api-report.ts', '--check', ...extra], {
    cwd: root,
    encoding: 'utf8',
  })
  return { code: run.status, output: run.stdout + run.stderr }
}

test('the committed API reports match the public surface (run `npm run api:report` after a reviewed change)', () => {
  const { code, output } = check()
  assert.equal(code, 0, output)
  assert.match(output, /reports match the source/)
})

test('the check fails, naming the report, when a report does not match the surface or is stale', () => {
  const copy = mkdtempSync(join(tmpdir(), 'kafkit-api-test-'))
  try {
    cpSync(join(root, 'api'), copy, { recursive: true })
    const file = join(copy, 'kafkit-config.api.md')
    // As if loadConfig had been added since the report was written: the report lacks it.
    const report = readFileSync(file, 'utf8')
    const without = report.replace(/^export function loadConfig[^\n]*\n/m, '')
    assert.notEqual(without, report, 'the report names loadConfig')
    writeFileSync(file, without)
    // And a report of an entry point package.json no longer exports.
    writeFileSync(join(copy, 'kafkit-gone.api.md'), 'stale\n')
    const { code, output } = check('--reports', copy)
    assert.equal(code, 1, output)
    assert.match(output, /\.\/config: api\/kafkit-config\.api\.md is not up to date/)
    assert.match(output, /kafkit-gone\.api\.md reports an entry point that package\.json no longer exports/)
    assert.match(output, /npm run api:report/)
    assert.doesNotMatch(output, /kafkit-admin/, 'only the changed reports are named')
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
})
