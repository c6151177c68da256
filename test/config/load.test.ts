// loadConfig: sources and their priority, where the file is looked for, and how the seeds'
// variables map onto kafkit's client, producer and consumer options.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfig } from 'kafkit'
import { workdir } from './workdir.ts'

const sourceOf = (config: ReturnType<typeof loadConfig>, path: string) =>
  config.settings.find((s) => s.path === path)?.source

test('with nothing set, the defaults give a working local client with safe producer settings', (t) => {
  const config = loadConfig({ argv: [], env: {}, cwd: workdir(t) })
  assert.deepEqual(config.client, { brokers: ['127.0.0.1:9092'] })
  assert.deepEqual(config.producer, {
    acks: 'all',
    idempotent: true,
    compression: 'snappy',
    linger: '5ms',
    deliveryTimeout: '30s',
  })
  assert.equal(config.consumer.concurrency, 10)
  assert.deepEqual(config.consumer.retry, { maxAttempts: 3 })
  assert.equal(config.consumer.group, undefined, 'the group defaults to {service}-group in the consumer')
  assert.deepEqual(config.log, { level: 'info', format: 'auto' })
  assert.equal(config.file, undefined)
  assert.equal(sourceOf(config, 'client.brokers'), 'client.brokers (default)')
})

test('defaults < file < environment, and each value knows where it came from', (t) => {
  const cwd = workdir(t, {
    'configs/kafkit.yaml':
      'client:\n  brokers: [a:9092, b:9092]\n  clientId: from-file\nconsumer:\n  concurrency: 4\n  group: file-group\n',
  })
  const config = loadConfig({
    argv: [],
    env: { KAFKA_CONSUMER_CONCURRENCY: '8', KAFKA_CLIENT_ID: 'from-env' },
    cwd,
    defaults: { consumer: { retry: { maxAttempts: 5 }, concurrency: 2 } },
  })
  assert.deepEqual(config.client.brokers, ['a:9092', 'b:9092'])
  assert.equal(config.client.clientId, 'from-env')
  assert.equal(config.consumer.concurrency, 8)
  assert.equal(config.consumer.group, 'file-group')
  assert.deepEqual(config.consumer.retry, { maxAttempts: 5 }, 'program defaults override kafkit defaults')
  assert.equal(config.file, './configs/kafkit.yaml')
  assert.equal(sourceOf(config, 'consumer.concurrency'), 'KAFKA_CONSUMER_CONCURRENCY (environment variable)')
  assert.equal(sourceOf(config, 'consumer.group'), 'consumer.group in ./configs/kafkit.yaml')
  assert.equal(sourceOf(config, 'consumer.retry.maxAttempts'), 'consumer.retry.maxAttempts (default)')
})

test('the file is --config, else KAFKIT_CONFIG, else ./kafkit.yaml, else ./configs/kafkit.yaml', (t) => {
  const cwd = workdir(t, {
    'kafkit.yaml': 'client:\n  clientId: root\n',
    'configs/kafkit.yaml': 'client:\n  clientId: configs\n',
    'custom.yaml': 'client:\n  clientId: custom\n',
    'other.yaml': 'client:\n  clientId: other\n',
  })
  const id = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadConfig({ argv, env, cwd }).client.clientId
  assert.equal(id(['--config', 'custom.yaml'], { KAFKIT_CONFIG: 'other.yaml' }), 'custom')
  assert.equal(id(['--config=custom.yaml']), 'custom')
  assert.equal(id([], { KAFKIT_CONFIG: 'other.yaml' }), 'other')
  assert.equal(id([]), 'root')
  rmSync(join(cwd, 'kafkit.yaml'))
  assert.equal(id([]), 'configs')
  rmSync(join(cwd, 'configs/kafkit.yaml'))
  assert.equal(id([]), undefined)
})

test("the seeds' variables map onto client, producer and consumer options", (t) => {
  const config = loadConfig({
    argv: [],
    cwd: workdir(t),
    env: {
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      KAFKA_CLIENT_ID: 'event-processor',
      KAFKA_PRODUCER_ACKS: '-1',
      KAFKA_PRODUCER_RETRIES: '3',
      KAFKA_PRODUCER_IDEMPOTENT: 'true',
      KAFKA_PRODUCER_TOPIC: 'events',
      KAFKA_CONSUMER_TOPIC: 'events',
      KAFKA_CONSUMER_GROUP_ID: 'event-processor-group',
      KAFKA_CONSUMER_WORKERS: '5',
      KAFKA_CONSUMER_RETRY_MAX: '3',
      KAFKA_CONSUMER_FETCH_MIN_BYTES: '1024',
      KAFKA_CONSUMER_FETCH_MAX_BYTES: '10485760',
      KAFKA_CONSUMER_RETRY_TOPICS: '5s, 1m',
      KAFKA_RETRY_TOPIC_PREFIX: 'events-retry',
      KAFKA_DLQ_TOPIC: 'events-dlq',
      LOG_LEVEL: 'debug',
    },
  })
  assert.deepEqual(config.client, { brokers: ['k1:9092', 'k2:9092'], clientId: 'event-processor' })
  assert.equal(config.producer.acks, 'all', 'the Java spelling -1 means all')
  assert.equal(config.producer.retries, 3)
  assert.equal(config.producer.idempotent, true)
  assert.deepEqual(config.tools, { producerTopic: 'events', consumerTopic: 'events' })
  assert.equal(config.consumer.group, 'event-processor-group')
  assert.equal(config.consumer.concurrency, 5)
  assert.deepEqual(config.consumer.retry, { maxAttempts: 3 })
  assert.equal(config.consumer.fetchMinBytes, 1024)
  assert.equal(config.consumer.fetchMaxBytes, 10_485_760)
  assert.deepEqual(config.consumer.retryTopics, ['5s', '1m'])
  assert.deepEqual(config.topics, { dlq: 'events-dlq', retry: 'events-retry.{group}.{delay}' })
  assert.equal(config.log.level, 'debug')
})

test('values are normalised: enum case, Java acks spellings, booleans, a prefix that places {delay}', (t) => {
  const config = loadConfig({
    argv: [],
    cwd: workdir(t),
    env: {
      KAFKA_PRODUCER_ACKS: '1',
      KAFKA_PRODUCER_IDEMPOTENT: 'no',
      KAFKA_PRODUCER_COMPRESSION: 'LZ4',
      KAFKA_RETRY_TOPIC_PREFIX: 'retry-{topic}-{delay}',
    },
  })
  assert.equal(config.producer.acks, 'leader')
  assert.equal(config.producer.idempotent, false)
  assert.equal(config.producer.compression, 'lz4')
  assert.equal(config.topics.retry, 'retry-{topic}-{delay}')
})

test('Confluent Cloud style: SASL_SSL with PLAIN sends SNI by default and reads the CA file', (t) => {
  const cwd = workdir(t, { 'certs/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' })
  const env = {
    KAFKA_BROKERS: 'pkc-12345.us-east-1.aws.confluent.cloud:9092',
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'PLAIN',
    KAFKA_SASL_USERNAME: 'api-key',
    KAFKA_SASL_PASSWORD: 'api-secret',
    KAFKA_TLS_CA_FILE: 'certs/ca.pem',
  }
  const config = loadConfig({ argv: [], env, cwd })
  assert.deepEqual({ ...config.client.sasl }, { mechanism: 'PLAIN', username: 'api-key', password: 'api-secret' })
  assert.equal(config.client.tlsServerName, true, 'SNI with each broker host name')
  const tls = config.client.tls as { ca: string; rejectUnauthorized: boolean }
  assert.match(tls.ca, /BEGIN CERTIFICATE/)
  assert.equal(tls.rejectUnauthorized, true)

  const fixed = loadConfig({ argv: [], cwd, env: { ...env, KAFKA_TLS_SERVER_NAME: 'kafka.internal' } })
  assert.equal(fixed.client.tlsServerName, 'kafka.internal')
  const off = loadConfig({ argv: [], cwd, env: { ...env, KAFKA_TLS_SERVER_NAME: 'off' } })
  assert.equal(off.client.tlsServerName, false)
})

test('SSL with a client certificate (mutual TLS) and an OAUTHBEARER token', (t) => {
  const cwd = workdir(t, { 'c.pem': 'CERT', 'k.pem': 'KEY' })
  const mtls = loadConfig({
    argv: [],
    cwd,
    env: { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: 'c.pem', KAFKA_TLS_KEY_FILE: 'k.pem' },
  })
  assert.equal(mtls.client.sasl, undefined)
  assert.deepEqual({ ...(mtls.client.tls as object) }, { rejectUnauthorized: true, cert: 'CERT', key: 'KEY' })
  const oauth = loadConfig({
    argv: [],
    cwd,
    env: {
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN: 'tok',
    },
  })
  assert.deepEqual({ ...oauth.client.sasl }, { mechanism: 'OAUTHBEARER', token: 'tok' })
  assert.equal(oauth.client.tls, undefined, 'SASL_PLAINTEXT is not TLS')
})

test('an empty variable counts as unset; secrets are taken byte for byte', (t) => {
  const config = loadConfig({
    argv: [],
    cwd: workdir(t),
    env: {
      KAFKA_BROKERS: '',
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: ' user ',
      KAFKA_SASL_PASSWORD: ' pass with spaces ',
    },
  })
  assert.deepEqual(config.client.brokers, ['127.0.0.1:9092'])
  assert.equal(config.client.sasl?.username, 'user')
  assert.equal(config.client.sasl?.password, ' pass with spaces ')
})
