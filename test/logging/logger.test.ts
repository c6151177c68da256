// createLogger: level from config, JSON lines by default, secrets censored however they are logged.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inspect } from 'node:util'
import { loadConfig, redactConfig } from 'kafkit/config'
import { workdir } from '../config/workdir.ts'
import { captureKafkitLogs } from './capture.ts'

test('JSON lines at the configured level, with the name and bindings on every line', () => {
  const sink = captureKafkitLogs({ level: 'warn', name: 'svc', bindings: { service: 'order-service' } })
  sink.logger.info({ a: 1 }, 'dropped')
  sink.logger.warn({ eventId: 'e-1' }, 'kept')
  const lines = sink.lines()
  assert.equal(lines.length, 1)
  assert.equal(lines[0]!['msg'], 'kept')
  assert.equal(lines[0]!['name'], 'svc')
  assert.equal(lines[0]!['service'], 'order-service')
  assert.equal(lines[0]!['eventId'], 'e-1')
})

test('secrets are censored in logged objects, in the config and in the client options', (t) => {
  const password = 'pw-that-must-not-leak'
  const config = loadConfig({
    argv: [],
    cwd: workdir(t),
    env: {
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: password,
    },
  })
  const sink = captureKafkitLogs()
  sink.logger.info({ config }, 'the config object')
  sink.logger.info({ client: config.client }, 'the client options')
  sink.logger.info({ sasl: { ...config.client.sasl } }, 'a plain copy of the SASL options')
  sink.logger.info({ settings: config.settings }, 'every setting')
  sink.logger.info({ config: redactConfig(config) }, 'the redacted config')
  sink.logger.info({ password, token: 't', nested: { tls: { key: 'PRIVATE KEY' } } }, 'by hand')
  assert.equal(sink.raw.length, 6)
  for (const line of sink.raw) {
    assert.ok(!line.includes(password), `secret in: ${line}`)
    assert.ok(!line.includes('PRIVATE KEY'), `key in: ${line}`)
  }
  const [whole, client, copy] = sink.lines()
  assert.deepEqual((whole!['config'] as { client: { sasl: unknown } }).client.sasl, {
    mechanism: 'PLAIN',
    username: 'svc',
    password: '[redacted]',
  })
  assert.equal((client!['client'] as { sasl: { username: string } }).sasl.username, 'svc', 'non-secrets stay')
  assert.equal((copy!['sasl'] as { password: string }).password, '[redacted]')
  assert.equal(config.client.sasl?.password, password, 'code still reads the real value')
  assert.ok(!JSON.stringify(config).includes(password))
  assert.ok(!inspect(config, { depth: 10 }).includes(password))
  assert.ok(!inspect(config.client, { depth: 10 }).includes(password))
})

test('format pretty writes human-readable lines (still censored); json writes JSON', () => {
  const pretty = captureKafkitLogs({ format: 'pretty' })
  pretty.logger.info({ orderId: 'o-1', password: 'hidden-pw' }, 'order accepted')
  const text = pretty.raw.join('\n')
  assert.match(text, /INFO.*order accepted/)
  assert.match(text, /orderId: "o-1"/)
  assert.ok(!text.includes('hidden-pw'))
  assert.throws(() => JSON.parse(pretty.raw[0]!))

  const json = captureKafkitLogs({ format: 'json' })
  json.logger.info({}, 'hello')
  assert.equal((JSON.parse(json.raw[0]!) as { msg: string }).msg, 'hello')
  const auto = captureKafkitLogs()
  auto.logger.info({}, 'hello')
  assert.doesNotThrow(() => JSON.parse(auto.raw[0]!), 'auto with a destination that is not a terminal is JSON')
})

test('defaultLogger takes LOG_LEVEL and survives a mistyped one', async () => {
  const { defaultLogger } = await import('kafkit')
  const saved = process.env['LOG_LEVEL']
  try {
    process.env['LOG_LEVEL'] = 'debug'
    assert.equal(defaultLogger().level, 'debug')
    process.env['LOG_LEVEL'] = 'verbose'
    assert.equal(defaultLogger().level, 'info')
  } finally {
    if (saved === undefined) delete process.env['LOG_LEVEL']
    else process.env['LOG_LEVEL'] = saved
  }
})
