// The packed package, as a user installs it: `npm pack` of a fresh build, installed into an empty
// project (test/testing/fixtures/user-project), where tests written with `kafkit/testing` run under
// node:test, Vitest and Jest (ESM) with no broker address, no Java on the PATH and no network client
// of kafkit's connecting anywhere.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = join(import.meta.dirname, '../..')

test('kafkit/testing from the packed tarball: a user’s tests pass under node:test, Vitest and Jest, with no broker and no Java', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kafkit-pack-'))
  t.after(() => rmSync(work, { recursive: true, force: true }))
  // A fresh build in a staging copy: the worktree's own dist/ is left alone.
  const stage = join(work, 'stage')
  await run(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(stage, 'dist'),
    ],
    { cwd: root },
  )
  for (const entry of ['package.json', 'README.md', 'docs'])
    cpSync(join(root, entry), join(stage, entry), { recursive: true })
  const npmEnv = {
    ...process.env,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  }
  await run('npm', ['pack', '--pack-destination', work, '--ignore-scripts'], { cwd: stage, env: npmEnv })
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  assert.ok(tarball, 'npm pack made a tarball')

  const project = join(work, 'project')
  cpSync(join(root, 'test/testing/fixtures/user-project'), project, { recursive: true })
  await run('npm', ['install', '--prefer-offline', '--ignore-scripts', join(work, tarball), 'zod@4.6.7'], {
    cwd: project,
    env: npmEnv,
    timeout: 300_000,
  })
  // Vitest and Jest are kafkit's pinned devDependencies, linked rather than installed again (the
  // same packages a user's install would bring, without a second install of some 300 packages).
  for (const runner of ['vitest', 'jest'])
    symlinkSync(join(root, 'node_modules', runner), join(project, 'node_modules', runner), 'dir')

  const env: Record<string, string> = { PATH: dirname(process.execPath), HOME: work }
  const userRun = (args: string[]) =>
    run(process.execPath, args, { cwd: project, env, timeout: 120_000 }).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`the user's test failed (${args.join(' ')}):\n${error.stdout ?? ''}\n${error.stderr ?? ''}`)
      },
    )

  await t.test('under node:test', async () => {
    const { stdout } = await userRun(['--test', '--test-reporter=tap', 'orders.node.test.js'])
    assert.match(stdout, /# pass 2/)
    assert.match(stdout, /# fail 0/)
  })
  await t.test('under Vitest', async () => {
    const { stdout } = await userRun(['node_modules/vitest/vitest.mjs', 'run', '--reporter=verbose', '--no-color'])
    assert.match(stdout, /Tests\s+4 passed \(4\)/)
  })
  await t.test('under Jest (ESM, --experimental-vm-modules)', async () => {
    // Jest writes its summary to stderr.
    const { stderr } = await userRun(['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--ci'])
    assert.match(stderr, /Tests:\s+4 passed, 4 total/)
  })
})
