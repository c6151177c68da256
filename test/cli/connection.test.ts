// How the kafkit command reaches a cluster: the same configuration as the services (SASL from
// variables or a config file), and, when it cannot, a prompt and clear failure (exit code 3) that
// names the brokers, the cause and the settings to fix, and never prints a secret.
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import { workdir } from '../config/workdir.ts'
import { clientFrom } from '../../src/cli/io.ts'
import { createTopic } from '../support/kafka.ts'
import { saslBroker, saslEnv, skipWithoutLocalSasl as skipExternal } from '../support/sasl.ts'
import { cli } from './support.ts'

const unreachable = 3

test('a broker that accepts connections and never answers fails the command within --timeout', async (t) => {
  const sockets = new Set<Socket>()
  const silent = createServer((socket) => void sockets.add(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    silent.close()
  })
  const address = `127.0.0.1:${(silent.address() as { port: number }).port}`
  const started = Date.now()
  const run = await cli(['--timeout', '2s', 'dlq', 'list', 'x.dlq'], { KAFKA_BROKERS: address })
  const elapsed = Date.now() - started
  assert.equal(run.code, unreachable, run.all)
  assert.match(run.err.join('\n'), new RegExp(`no broker of ${address} answered: .*(time|Timeout)`, 'i'))
  assert.match(run.err.join('\n'), /brokers from KAFKA_BROKERS \(environment variable\)/)
  // Before: the end-offset lookup ran before the reader's deadline, and the command took 8.3 minutes.
  assert.ok(elapsed < 30_000, `took ${elapsed} ms`)
})

test('a closed port names the address and the cause', async () => {
  const run = await cli(['--brokers', '127.0.0.1:1', 'topics', 'list'])
  assert.equal(run.code, unreachable, run.all)
  assert.match(run.err.join('\n'), /no broker of 127\.0\.0\.1:1 answered: .*ECONNREFUSED/)
  assert.doesNotMatch(run.err.join('\n'), /failed \d+ times/)
})

for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
  test(`${mechanism} from the variables the services read: topics list works`, { skip: skipExternal }, async (t) => {
    const topic = await createTopic(t, 'cli-sasl', { partitions: 2 })
    const run = await cli(['topics', 'list', '--json'], saslEnv(mechanism, LOCAL_SASL_USER.password), workdir(t))
    assert.equal(run.code, 0, run.all)
    const listed = run.out.map((l) => JSON.parse(l) as { name: string; partitions: number })
    assert.equal(listed.find((x) => x.name === topic)?.partitions, 2, run.all)
    assert.ok(!run.all.includes(LOCAL_SASL_USER.password))
  })
}

test(
  'SASL from a config file given with --config, the password from the environment',
  { skip: skipExternal },
  async (t) => {
    const dir = workdir(t, {
      'ops.yaml': `client:\n  brokers: [${saslBroker()}]\n  securityProtocol: SASL_PLAINTEXT\n  sasl:\n    mechanism: SCRAM-SHA-512\n    username: ${LOCAL_SASL_USER.username}\n`,
    })
    const run = await cli(
      ['--config', 'ops.yaml', 'groups', 'list'],
      { KAFKA_SASL_PASSWORD: LOCAL_SASL_USER.password },
      dir,
    )
    assert.equal(run.code, 0, run.all)
    assert.match(run.out.at(-1)!, /^\d+ group\(s\)$/)
  },
)

test(
  'a wrong password: a clear error, exit code 3, and the password is never printed',
  { skip: skipExternal },
  async (t) => {
    const wrong = 'not-the-password-q9'
    const started = Date.now()
    const run = await cli(['dlq', 'list', 'x.dlq'], saslEnv('SCRAM-SHA-256', wrong), workdir(t))
    assert.equal(run.code, unreachable, run.all)
    assert.match(
      run.err.join('\n'),
      new RegExp(
        `${saslBroker()} rejected the credentials \\(mechanism SCRAM-SHA-256, user ${LOCAL_SASL_USER.username}\\): check KAFKA_SASL_USERNAME \\(environment variable\\) and KAFKA_SASL_PASSWORD`,
      ),
    )
    assert.ok(!run.all.includes(wrong), run.all)
    assert.ok(!run.all.includes(LOCAL_SASL_USER.password))
    assert.ok(Date.now() - started < 15_000)
  },
)

test('a configuration mistake lists every problem with exit code 2', async (t) => {
  const run = await cli(['topics', 'list'], { KAFKA_BROKERS: 'no-port', KAFKA_SECURITY_PROTOCOL: 'SASL' }, workdir(t))
  assert.equal(run.code, 2, run.all)
  assert.match(run.err.join('\n'), /KAFKA_BROKERS/)
  assert.match(run.err.join('\n'), /KAFKA_SECURITY_PROTOCOL/)
})

test('clientFrom, for commands outside the shared context, reads the same configuration', (t) => {
  const dir = workdir(t, { 'kafkit.yaml': 'client:\n  brokers: [10.0.0.1:9092]\n  clientId: ops\n' })
  const io = { out: () => undefined, err: () => undefined, cwd: dir }
  assert.deepEqual(clientFrom(undefined, { ...io, env: {} }).brokers, ['10.0.0.1:9092'])
  assert.deepEqual(clientFrom('127.0.0.1:1', { ...io, env: {} }).brokers, ['127.0.0.1:1'])
  const sasl = clientFrom(undefined, { ...io, env: saslEnv('SCRAM-SHA-256', 'pw-0123') })
  assert.equal(sasl.sasl?.mechanism, 'SCRAM-SHA-256')
  assert.equal(sasl.clientId, 'ops')
})
