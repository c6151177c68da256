// npm run registry:start / registry:status / registry:stop on a private home and port, and which
// test runs start a registry.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { distDir, REGISTRY_VERSION, registryJava, testsNeedRegistry } from '../../scripts/registry/index.ts'
import { runScript } from '../support/process.ts'

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 30000 + Math.floor(Math.random() * 10000) * 2
    if ((await portFree(port)) && (await portFree(port + 1))) return port
  }
  throw new Error('no free ports')
}

const ready = registryJava() !== undefined && existsSync(join(distDir(), 'quarkus-run.jar'))

test(
  'start twice reuses the registry; status reports it; stop ends exactly that process',
  { skip: !ready && 'needs Java 21+ and the cached registry (npm run registry:start once)' },
  async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'kafkit-home-'))
    mkdirSync(home, { recursive: true })
    symlinkSync(distDir(), join(home, `apicurio-registry-${REGISTRY_VERSION}`))
    const port = await freePortPair()
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKIT_HOME: home, KAFKIT_REGISTRY_PORT: String(port) }
    delete env['SCHEMA_REGISTRY_URL']
    t.after(async () => {
      await runScript(['scripts/registry.ts', 'stop'], env)
      rmSync(home, { recursive: true, force: true })
    })
    const url = `http://127.0.0.1:${port}/apis/ccompat/v7`

    const first = await runScript(['scripts/registry.ts', 'start'], env)
    assert.equal(first.code, 0, first.stdout + first.stderr)
    assert.ok(first.stdout.includes(`started: SCHEMA_REGISTRY_URL=${url} (apicurio)`), first.stdout)
    const pid = Number(/started the schema registry \(pid (\d+)\)/.exec(first.stdout)?.[1])
    assert.ok(pid > 0 && alive(pid))
    const answer = await fetch(`${url}/schemas/types`)
    assert.deepEqual(((await answer.json()) as string[]).sort(), ['AVRO', 'JSON', 'PROTOBUF'])

    const second = await runScript(['scripts/registry.ts', 'start'], env)
    assert.equal(second.code, 0)
    assert.match(second.stdout, /already running/)
    assert.doesNotMatch(second.stdout, /started the schema registry/)

    const status = await runScript(['scripts/registry.ts', 'status'], env)
    assert.equal(status.code, 0)
    assert.match(status.stdout, new RegExp(`running, pid ${pid}`))
    assert.match(status.stdout, /answering/)

    const stop = await runScript(['scripts/registry.ts', 'stop'], env)
    assert.equal(stop.code, 0)
    assert.match(stop.stdout, new RegExp(`stopped the schema registry \\(pid ${pid}\\)`))
    assert.equal(alive(pid), false)
    const again = await runScript(['scripts/registry.ts', 'stop'], env)
    assert.match(again.stdout, /no local schema registry was running/)
    const down = await runScript(['scripts/registry.ts', 'status'], env)
    assert.equal(down.code, 1)
    assert.match(down.stdout, /not running/)
  },
)

test('with SCHEMA_REGISTRY_URL set, start starts nothing and stop leaves that registry alone', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7' }
  const start = await runScript(['scripts/registry.ts', 'start'], env)
  assert.equal(start.code, 1)
  assert.match(
    start.stdout,
    /SCHEMA_REGISTRY_URL is set: using http:\/\/127\.0\.0\.1:1\/apis\/ccompat\/v7, starting nothing/,
  )
  assert.match(
    start.stderr,
    /the schema registry at SCHEMA_REGISTRY_URL=http:\/\/127\.0\.0\.1:1\/apis\/ccompat\/v7 does not answer/,
  )
  const stop = await runScript(['scripts/registry.ts', 'stop'], env)
  assert.equal(stop.code, 0)
  assert.match(stop.stdout, /that registry is not ours to stop/)
})

test('npm test starts a registry for the full suite and for chosen files that use it', () => {
  assert.equal(testsNeedRegistry([]), true)
  assert.equal(testsNeedRegistry(['test/registry/client.test.ts']), true)
  assert.equal(testsNeedRegistry(['test/catalog/catalog.test.ts']), false)
  assert.equal(testsNeedRegistry(['test/registry']), true, 'a directory may hold such files')
  assert.equal(testsNeedRegistry(['test/**/*.test.ts']), true, 'a pattern may match such files')
})
