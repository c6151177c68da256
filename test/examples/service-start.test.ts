// A service program started with a bad configuration exits at once with a message that names the
// setting, and never prints a secret: a wrong value exits 2 before anything connects, a wrong
// password exits 1 as soon as the broker refuses it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import { runScript } from '../support/process.ts'
import { brokers } from '../support/kafka.ts'

const service = ['--conditions=kafkit-source', 'examples/order-system/inventory-service/main.ts']

test('a configuration mistake exits 2 with every problem named, secrets not shown', async () => {
  const secret = 'do-not-print-this-secret'
  const result = await runScript(
    service,
    {
      ...process.env,
      KAFKA_CONSUMER_WORKERS: 'eight',
      KAFKA_SASL_PASSWORD: secret,
      APP_SERVER_PORT: '0',
    },
    30_000,
  )
  assert.equal(result.code, 2, result.stdout + result.stderr)
  assert.match(result.stderr, /^inventory-service: invalid kafkit configuration:/)
  assert.match(
    result.stderr,
    /KAFKA_CONSUMER_WORKERS \(environment variable\) must be a positive integer, e.g. 8 \(got "eight"\)/,
  )
  assert.match(
    result.stderr,
    /KAFKA_SASL_PASSWORD \(environment variable\) is set but client\.securityProtocol is PLAINTEXT/,
  )
  assert.ok(!(result.stdout + result.stderr).includes(secret))
})

test(
  'a wrong SASL password exits 1 within seconds, naming the variables, not the password',
  { skip: process.env['KAFKIT_TEST_BACKEND'] === 'external' && 'the SASL listener is part of the local broker only' },
  async () => {
    const [host, port] = brokers()[0]!.split(':')
    const wrong = 'wrong-password-never-printed'
    const result = await runScript(
      service,
      {
        ...process.env,
        KAFKA_BROKERS: `${host}:${Number(port) + 2}`,
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: LOCAL_SASL_USER.username,
        KAFKA_SASL_PASSWORD: wrong,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        APP_SERVER_PORT: '0',
      },
      30_000,
    )
    assert.equal(result.code, 1, result.stdout + result.stderr)
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`)
    assert.match(
      result.stdout,
      /inventory-service could not start: .* rejected the credentials \(mechanism PLAIN, user kafkit\): check KAFKA_SASL_USERNAME \(environment variable\) and KAFKA_SASL_PASSWORD \(environment variable\)/,
    )
    assert.match(result.stdout, /client\.sasl\.password = \[redacted\]/, 'the configuration was logged, redacted')
    assert.ok(!(result.stdout + result.stderr).includes(wrong))
  },
)
