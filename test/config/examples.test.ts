// The example configuration files in configs/ load as their comments say.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { loadConfig, type ConfigError } from 'kafkit'

const root = fileURLToPath(new URL('../../', import.meta.url))

test('configs/kafkit.local.yaml: the local broker, pretty debug logs', () => {
  const config = loadConfig({ argv: ['--config', 'configs/kafkit.local.yaml'], env: {}, cwd: root })
  assert.equal(config.file, './configs/kafkit.local.yaml')
  assert.deepEqual(config.client, { brokers: ['127.0.0.1:9092'] })
  assert.deepEqual(config.log, { level: 'debug', format: 'pretty' })
})

test('configs/kafkit.confluent.yaml: SASL_SSL with SNI once the secret comes from the environment', () => {
  const argv = ['--config', 'configs/kafkit.confluent.yaml']
  assert.throws(
    () => loadConfig({ argv, env: {}, cwd: root }),
    (e: ConfigError) => e.issues.some((i) => i.message.startsWith('client.sasl.password is required')),
  )
  const config = loadConfig({ argv, env: { KAFKA_SASL_PASSWORD: 'api-secret' }, cwd: root })
  assert.equal(config.client.sasl?.mechanism, 'PLAIN')
  assert.equal(config.client.sasl?.username, 'your-api-key')
  assert.equal(config.client.tlsServerName, true)
  assert.deepEqual({ ...(config.client.tls as object) }, { rejectUnauthorized: true })
})
