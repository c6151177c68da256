// npm run kafka:start / kafka:status / kafka:stop, and the failure messages of npm test.
import assert from 'node:assert/strict'
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { test } from 'node:test'
import { isolatedEnv } from '../support/isolated-broker.ts'
import { javaAvailable } from '../support/java.ts'
import { runScript } from '../support/process.ts'

/** Alive and not a zombie (an exited child that nobody has reaped yet). */
function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

test(
  'start twice reuses the broker; status reports it; stop ends exactly that process',
  { skip: !javaAvailable() },
  async (t) => {
    const { env, home, port } = await isolatedEnv()
    t.after(async () => {
      await runScript(['scripts/kafka.ts', 'stop'], env)
      rmSync(home, { recursive: true, force: true })
    })

    const first = await runScript(['scripts/kafka.ts', 'start'], env)
    assert.equal(first.code, 0, first.stdout + first.stderr)
    assert.ok(first.stdout.includes(`started: KAFKA_BROKERS=127.0.0.1:${port} (jvm)`), first.stdout)
    const pid = /started broker 1 \(pid (\d+)\)/.exec(first.stdout)?.[1]
    assert.ok(pid, 'the start reports the broker pid')

    const second = await runScript(['scripts/kafka.ts', 'start'], env)
    assert.equal(second.code, 0)
    assert.match(second.stdout, /already running/)
    assert.doesNotMatch(second.stdout, /started broker/)

    const status = await runScript(['scripts/kafka.ts', 'status'], env)
    assert.equal(status.code, 0)
    assert.match(status.stdout, new RegExp(`broker 1: running, pid ${pid}`))
    assert.match(status.stdout, /answering: 1 broker/)

    const stop = await runScript(['scripts/kafka.ts', 'stop'], env)
    assert.equal(stop.code, 0)
    assert.match(stop.stdout, new RegExp(`stopped broker 1 \\(pid ${pid}\\)`))
    assert.equal(processAlive(Number(pid)), false, 'the broker process is gone')

    const after = await runScript(['scripts/kafka.ts', 'status'], env)
    assert.equal(after.code, 1)
    assert.match(after.stdout, /broker 1: not running/)
  },
)

test('a wrong KAFKA_BROKERS makes npm test fail fast, naming the address', async () => {
  const env = { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' }
  // Without the type-check and lint, which take most of a minute on a busy machine and are not what
  // this test is about: the broker check must fail within seconds.
  const result = await runScript(['scripts/test.ts', '--no-static'], env, 60_000)
  assert.equal(result.code, 1)
  assert.match(result.stderr, /KAFKA_BROKERS=127\.0\.0\.1:1 does not answer/)
  assert.match(result.stdout, /Node v\d+/, 'the runner prints the Node version first')
})

test('without Java or Docker, kafka:start says what to install', async () => {
  const { env, home } = await isolatedEnv()
  env['PATH'] = dirname(process.execPath)
  delete env['JAVA_HOME']
  try {
    const result = await runScript(['scripts/kafka.ts', 'start'], env, 60_000)
    assert.equal(result.code, 1)
    assert.match(result.stderr, /Install Java 17\+/)
    assert.match(result.stderr, /Docker/)
    assert.match(result.stderr, /KAFKA_BROKERS/)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
})
