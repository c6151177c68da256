// The packed package, as a user installs it: `npm pack` of a fresh build, installed into an empty
// project, where a node:test file written with `kafkit/testing` runs with no broker address, no
// Java on the PATH and no network client of kafkit's connecting anywhere.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = join(import.meta.dirname, '../..')

const USER_TEST = `
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from 'kafkit'
import { createTestKafkit } from 'kafkit/testing'

const orders = defineTopic({ name: 'shop.orders.v1', key: 'order_id', partitions: 3 })
const OrderCreated = defineEvent({ type: 'order.created', version: '1.0', topic: orders, schema: z.object({ order_id: z.string() }) })
const OrderAccepted = defineEvent({ type: 'order.accepted', version: '1.0', topic: orders, schema: z.object({ order_id: z.string() }) })

test('no broker, no Java', () => {
  assert.equal(process.env.KAFKA_BROKERS, undefined)
  assert.equal(spawnSync('java', ['-version']).error?.code, 'ENOENT')
})

test('a handler on kafkit/testing', async () => {
  const kit = createTestKafkit({ catalog: [OrderCreated, OrderAccepted], consumer: { retryTopics: ['1m'] } })
  let failures = 0
  await kit.consumer().on(OrderCreated, async (event, ctx) => {
    if (failures++ < 3) throw new Error('not yet')
    await ctx.publish(OrderAccepted, { order_id: event.payload.order_id })
  }).start()
  await kit.publish(OrderCreated, { order_id: 'o-1' })
  await kit.waitForHandled(OrderCreated, { order_id: 'o-1' })
  kit.expectPublished(OrderAccepted, { order_id: 'o-1' })
  await kit.close()
})
`

test('kafkit/testing from the packed tarball: a user’s test passes with no broker and no Java', async (t) => {
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
  writeFileSync(join(project, 'orders.test.mjs'), USER_TEST)

  const env: Record<string, string> = { PATH: dirname(process.execPath), HOME: work }
  const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', 'orders.test.mjs'], {
    cwd: project,
    env,
    timeout: 120_000,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`the user's test failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`)
  })
  assert.match(stdout, /# pass 2/)
  assert.match(stdout, /# fail 0/)
})
