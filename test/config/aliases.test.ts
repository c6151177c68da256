// Config-file keys are the option names. Renamed keys and variables keep working with one
// deprecation warning each; the seeds' variables (the kafka-go example's KAFKA_CONSUMER_WORKERS, the
// EDA seed's APP_KAFKA_* and APP_SERVER_*) are read for good, without a warning.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ConfigError } from 'kafkit'
import { loadConfig, type KafkitConfig, type LoadConfigOptions } from 'kafkit'
import { deprecationsDuring } from '../support/deprecations.ts'
import { workdir } from './workdir.ts'

const sourceOf = (config: KafkitConfig, path: string) => config.settings.find((s) => s.path === path)?.source

async function load(options: LoadConfigOptions): Promise<{ config: KafkitConfig; warnings: string[] }> {
  let config: KafkitConfig | undefined
  const warnings = await deprecationsDuring(() => {
    config = loadConfig({ argv: [], env: {}, ...options })
  })
  return { config: config!, warnings }
}

test('the former file keys still set their option, each with one deprecation warning', async (t) => {
  const file = [
    'client:',
    '  connectTimeoutMs: 4000',
    '  requestTimeoutMs: 9000',
    'producer:',
    '  lingerMs: 20',
    '  deliveryTimeoutMs: 45000',
    'consumer:',
    '  groupId: old-group',
    '  workers: 4',
    '  retryMax: 5',
    '  retryDelays: [5s, 1m]',
    'registry:',
    '  url: http://127.0.0.1:18081',
    '  requestTimeoutMs: 7000',
  ].join('\n')
  const { config, warnings } = await load({ cwd: workdir(t, { 'kafkit.yaml': file }) })
  assert.equal(config.client.connectTimeout, 4000)
  assert.equal(config.client.requestTimeout, 9000)
  assert.equal(config.producer.linger, 20)
  assert.equal(config.producer.deliveryTimeout, 45_000)
  assert.equal(config.consumer.group, 'old-group')
  assert.equal(config.consumer.concurrency, 4)
  assert.deepEqual(config.consumer.retry, { maxAttempts: 5 })
  assert.deepEqual(config.consumer.retryTopics, ['5s', '1m'])
  assert.equal(config.registry?.requestTimeout, 7000)
  assert.equal(sourceOf(config, 'consumer.concurrency'), 'consumer.concurrency in ./kafkit.yaml')
  assert.deepEqual(warnings.sort(), [
    'config key client.connectTimeoutMs is deprecated: use client.connectTimeout',
    'config key client.requestTimeoutMs is deprecated: use client.requestTimeout',
    'config key consumer.groupId is deprecated: use consumer.group',
    'config key consumer.retryDelays is deprecated: use consumer.retryTopics',
    'config key consumer.retryMax is deprecated: use consumer.retry.maxAttempts',
    'config key consumer.workers is deprecated: use consumer.concurrency',
    'config key producer.deliveryTimeoutMs is deprecated: use producer.deliveryTimeout',
    'config key producer.lingerMs is deprecated: use producer.linger',
    'config key registry.requestTimeoutMs is deprecated: use registry.requestTimeout',
  ])
  const again = await load({ cwd: workdir(t, { 'kafkit.yaml': 'consumer:\n  workers: 2\n' }) })
  assert.equal(again.config.consumer.concurrency, 2)
  assert.deepEqual(again.warnings, [], 'once per process')
})

test('the former variables still set their key, each with one deprecation warning naming the new one', async (t) => {
  const { config, warnings } = await load({
    cwd: workdir(t),
    env: {
      KAFKA_CONNECT_TIMEOUT_MS: '4000',
      KAFKA_REQUEST_TIMEOUT_MS: '9000',
      KAFKA_PRODUCER_LINGER_MS: '20',
      KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS: '45000',
      KAFKA_CONSUMER_RETRY_DELAYS: '5s,1m',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081',
      SCHEMA_REGISTRY_TIMEOUT_MS: '7000',
    },
  })
  assert.equal(config.client.connectTimeout, '4000')
  assert.equal(config.client.requestTimeout, '9000')
  assert.equal(config.producer.linger, '20')
  assert.equal(config.producer.deliveryTimeout, '45000')
  assert.deepEqual(config.consumer.retryTopics, ['5s', '1m'])
  assert.equal(config.registry?.requestTimeout, '7000')
  assert.equal(sourceOf(config, 'producer.linger'), 'KAFKA_PRODUCER_LINGER_MS (environment variable)')
  assert.deepEqual(warnings.sort(), [
    'variable KAFKA_CONNECT_TIMEOUT_MS is deprecated: use KAFKA_CONNECT_TIMEOUT',
    'variable KAFKA_CONSUMER_RETRY_DELAYS is deprecated: use KAFKA_CONSUMER_RETRY_TOPICS',
    'variable KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS is deprecated: use KAFKA_PRODUCER_DELIVERY_TIMEOUT',
    'variable KAFKA_PRODUCER_LINGER_MS is deprecated: use KAFKA_PRODUCER_LINGER',
    'variable KAFKA_REQUEST_TIMEOUT_MS is deprecated: use KAFKA_REQUEST_TIMEOUT',
    'variable SCHEMA_REGISTRY_TIMEOUT_MS is deprecated: use SCHEMA_REGISTRY_REQUEST_TIMEOUT',
  ])
})

test("the kafka-go seed's consumer variables are aliases, read without a warning", async (t) => {
  const { config, warnings } = await load({
    cwd: workdir(t),
    env: {
      KAFKA_CONSUMER_GROUP_ID: 'event-processor-group',
      KAFKA_CONSUMER_WORKERS: '5',
      KAFKA_CONSUMER_RETRY_MAX: '3',
    },
  })
  assert.equal(config.consumer.group, 'event-processor-group')
  assert.equal(config.consumer.concurrency, 5)
  assert.deepEqual(config.consumer.retry, { maxAttempts: 3 })
  assert.equal(sourceOf(config, 'consumer.concurrency'), 'KAFKA_CONSUMER_WORKERS (environment variable)')
  assert.deepEqual(warnings, [])
})

test("the EDA seed's APP_KAFKA_*, APP_SERVER_* and APP_LOGGER_* variables are read", async (t) => {
  const { config, warnings } = await load({
    cwd: workdir(t),
    env: {
      APP_SERVER_HOST: '0.0.0.0',
      APP_SERVER_PORT: '8081',
      APP_KAFKA_BROKERS: 'pkc-xxxxx.us-east-1.aws.confluent.cloud:9092',
      APP_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      APP_KAFKA_SASL_MECHANISM: 'PLAIN',
      APP_KAFKA_SASL_USERNAME: 'your-api-key',
      APP_KAFKA_SASL_PASSWORD: 'your-api-secret',
      APP_KAFKA_GROUP_ID: 'inventory-group',
      APP_LOGGER_LEVEL: 'warn',
      APP_LOGGER_ENCODING: 'console',
    },
  })
  assert.deepEqual(config.app, { host: '0.0.0.0', port: 8081 })
  assert.deepEqual(config.client.brokers, ['pkc-xxxxx.us-east-1.aws.confluent.cloud:9092'])
  assert.equal(config.client.sasl?.mechanism, 'PLAIN')
  assert.equal(config.client.sasl?.username, 'your-api-key')
  assert.equal(config.client.sasl?.password, 'your-api-secret')
  assert.equal(config.consumer.group, 'inventory-group')
  assert.deepEqual(config.log, { level: 'warn', format: 'pretty' }, 'the seed says console for human-readable logs')
  assert.equal(sourceOf(config, 'client.brokers'), 'APP_KAFKA_BROKERS (environment variable)')
  assert.deepEqual(warnings, [])
})

test("kafkit's own variable wins over an alias with the same value; different values are an error", async (t) => {
  const cwd = workdir(t)
  const same = await load({ cwd, env: { KAFKA_BROKERS: 'a:9092', APP_KAFKA_BROKERS: 'a:9092' } })
  assert.equal(sourceOf(same.config, 'client.brokers'), 'KAFKA_BROKERS (environment variable)')
  assert.throws(
    () =>
      loadConfig({
        argv: [],
        cwd,
        env: {
          KAFKA_BROKERS: 'a:9092',
          APP_KAFKA_BROKERS: 'b:9092',
          KAFKA_SASL_PASSWORD: 'one-secret',
          APP_KAFKA_SASL_PASSWORD: 'another-secret',
        },
      }),
    (error: ConfigError) => {
      assert.deepEqual(
        error.issues.map((i) => i.message),
        [
          'KAFKA_BROKERS and APP_KAFKA_BROKERS (environment variables) both set client.brokers, to "a:9092" and "b:9092": set KAFKA_BROKERS only',
          'KAFKA_SASL_PASSWORD and APP_KAFKA_SASL_PASSWORD (environment variables) both set client.sasl.password, to different values (not shown: secret): set KAFKA_SASL_PASSWORD only',
        ],
      )
      return true
    },
  )
})

test('a file that sets a key under its name and its former name is an error', (t) => {
  const cwd = workdir(t, { 'kafkit.yaml': 'consumer:\n  concurrency: 4\n  workers: 8\n' })
  assert.throws(
    () => loadConfig({ argv: [], env: {}, cwd }),
    (error: ConfigError) => {
      assert.deepEqual(
        error.issues.map((i) => i.message),
        [
          './kafkit.yaml sets consumer.concurrency twice, as consumer.concurrency and as consumer.workers: keep consumer.concurrency only',
        ],
      )
      return true
    },
  )
})

test('rebalanceProtocol, transactional, isolation, startTimeout and autoOffsetReset come from the file or variables', async (t) => {
  const defaults = (await load({ cwd: workdir(t) })).config.consumer
  assert.equal(defaults.rebalanceProtocol, 'eager')
  assert.equal(defaults.transactional, false)
  assert.equal(defaults.isolation, 'read_committed')
  assert.equal(defaults.startTimeout, undefined, "the consumer's own default (rebalance timeout + 10 s)")
  const file = 'consumer:\n  rebalanceProtocol: cooperative\n  startTimeout: 90s\n  autoOffsetReset: now\n'
  const { config } = await load({
    cwd: workdir(t, { 'kafkit.yaml': file }),
    env: { KAFKA_CONSUMER_TRANSACTIONAL: 'true', KAFKA_CONSUMER_ISOLATION: 'read_uncommitted' },
  })
  assert.equal(config.consumer.rebalanceProtocol, 'cooperative')
  assert.equal(config.consumer.startTimeout, '90s')
  assert.equal(config.consumer.autoOffsetReset, 'now')
  assert.equal(config.consumer.transactional, true)
  assert.equal(config.consumer.isolation, 'read_uncommitted')
  assert.throws(
    () => loadConfig({ argv: [], cwd: workdir(t), env: { KAFKA_CONSUMER_REBALANCE_PROTOCOL: 'sticky' } }),
    /KAFKA_CONSUMER_REBALANCE_PROTOCOL \(environment variable\) must be one of eager, cooperative, consumer, e\.g\. cooperative \(got "sticky"\)/,
  )
})

test("a transactional consumer's id and timeout come from the file or variables, and need transactional: true", async (t) => {
  const { config } = await load({
    cwd: workdir(t, { 'kafkit.yaml': 'consumer:\n  transactional: true\n  transactionTimeout: 30s\n' }),
    env: { KAFKA_CONSUMER_TRANSACTIONAL_ID: 'billing-0' },
  })
  assert.deepEqual(config.consumer.transactional, { id: 'billing-0', timeout: '30s' })
  assert.throws(
    () => loadConfig({ argv: [], cwd: workdir(t), env: { KAFKA_CONSUMER_TRANSACTIONAL_ID: 'billing-0' } }),
    /KAFKA_CONSUMER_TRANSACTIONAL_ID \(environment variable\) is set but consumer\.transactional is not true: set KAFKA_CONSUMER_TRANSACTIONAL/,
  )
  assert.throws(
    () => loadConfig({ argv: [], cwd: workdir(t), env: { KAFKA_CONSUMER_TRANSACTION_TIMEOUT: '0s' } }),
    /KAFKA_CONSUMER_TRANSACTION_TIMEOUT .*must be a positive duration/,
  )
})
