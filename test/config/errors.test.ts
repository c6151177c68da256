// One test per kind of configuration mistake: the message names the key, where the value came
// from, and an example of a valid value; secrets never appear in it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, ErrorCodes, loadConfig, type LoadConfigOptions } from 'kafkit'
import { workdir } from './workdir.ts'

/** The ConfigError loadConfig throws for these options (fails the test if it does not throw). */
function failure(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig({ argv: [], env: {}, ...options })
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
    assert.equal(error.code, ErrorCodes.CONFIG_INVALID)
    return error
  }
  assert.fail('loadConfig accepted an invalid configuration')
}

test('a wrong type in a variable names the variable and gives an example', (t) => {
  const error = failure({ cwd: workdir(t), env: { KAFKA_CONSUMER_CONCURRENCY: 'eight' } })
  assert.equal(error.issues.length, 1)
  assert.equal(
    error.issues[0]!.message,
    'KAFKA_CONSUMER_CONCURRENCY (environment variable) must be a positive integer, e.g. 8 (got "eight")',
  )
  assert.match(error.message, /^invalid kafkit configuration:\n {2}- KAFKA_CONSUMER_CONCURRENCY/)
})

test('a wrong type in the file names the key and the file', (t) => {
  const cwd = workdir(t, { 'configs/kafkit.yaml': 'consumer:\n  concurrency: 0\nproducer:\n  acks: most\n' })
  const error = failure({ cwd })
  assert.deepEqual(
    error.issues.map((i) => i.message),
    [
      'consumer.concurrency in ./configs/kafkit.yaml must be a positive integer, e.g. 8 (got 0)',
      'producer.acks in ./configs/kafkit.yaml must be one of all, leader, none (or -1, 1, 0), e.g. all (got "most")',
    ],
  )
})

test('a section that is not a mapping, a list where a string goes, a bad broker address', (t) => {
  const cwd = workdir(t, { 'kafkit.yaml': 'client: localhost:9092\nlog:\n  level: [info]\n' })
  const messages = failure({ cwd, env: { KAFKA_BROKERS: 'localhost' } }).issues.map((i) => i.message)
  assert.ok(messages.some((m) => m.startsWith('client in ./kafkit.yaml must be a mapping of brokers, clientId')))
  assert.ok(
    messages.includes(
      'log.level in ./kafkit.yaml must be one of trace, debug, info, warn, error, fatal, silent, e.g. debug (got ["info"])',
    ),
  )
  assert.ok(
    messages.includes(
      'KAFKA_BROKERS (environment variable) must be a list of host:port (comma-separated in a variable), e.g. localhost:9092,localhost:9093 (got "localhost")',
    ),
  )
})

test('an unknown key in the file is an error, with a suggestion when one is close', (t) => {
  const cwd = workdir(t, {
    'kafkit.yaml': 'consumer:\n  worker: 4\n  group_id: g\nKAFKA_BROKERS: x:1\nproducr:\n  acks: all\nmystery: 1\n',
  })
  const messages = failure({ cwd }).issues.map((i) => i.message)
  const hint = ' (see docs/configuration.md for every key)'
  assert.deepEqual(messages, [
    `unknown key consumer.worker in ./kafkit.yaml; did you mean consumer.concurrency?${hint}`,
    `unknown key consumer.group_id in ./kafkit.yaml; did you mean consumer.group?${hint}`,
    `unknown key KAFKA_BROKERS in ./kafkit.yaml; did you mean client.brokers (the file's name for KAFKA_BROKERS)?${hint}`,
    `unknown key producr in ./kafkit.yaml${hint}`,
    `unknown key mystery in ./kafkit.yaml${hint}`,
  ])
})

test('a missing required value says what requires it and how to set it', (t) => {
  const error = failure({
    cwd: workdir(t),
    env: { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'svc' },
  })
  assert.deepEqual(
    error.issues.map((i) => i.message),
    [
      'client.sasl.password is required when KAFKA_SECURITY_PROTOCOL (environment variable) is SASL_SSL: set KAFKA_SASL_PASSWORD or client.sasl.password in the config file, e.g. my-api-secret',
    ],
  )
  const noMechanism = failure({ cwd: workdir(t), env: { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' } })
  assert.match(noMechanism.issues[0]!.message, /^client\.sasl\.mechanism is required when .* set KAFKA_SASL_MECHANISM/)
  const halfTls = failure({ cwd: workdir(t), env: { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CERT_FILE: 'c.pem' } })
  assert.match(halfTls.issues[0]!.message, /^client\.tls\.keyFile is required with client\.tls\.certFile/)
})

test('settings the security protocol would ignore are errors, not silently dropped', (t) => {
  const error = failure({ cwd: workdir(t), env: { KAFKA_SASL_USERNAME: 'svc', KAFKA_TLS_CA_FILE: 'ca.pem' } })
  assert.deepEqual(
    error.issues.map((i) => i.message),
    [
      'KAFKA_SASL_USERNAME (environment variable) is set but client.securityProtocol is PLAINTEXT (default), so it would be ignored: set KAFKA_SECURITY_PROTOCOL (client.securityProtocol) to SASL_PLAINTEXT or SASL_SSL, e.g. SASL_SSL',
      'KAFKA_TLS_CA_FILE (environment variable) is set but client.securityProtocol is PLAINTEXT (default), so it would be ignored: set KAFKA_SECURITY_PROTOCOL (client.securityProtocol) to SSL or SASL_SSL, e.g. SASL_SSL',
    ],
  )
})

test('a TLS file that cannot be read fails at load, naming the variable', (t) => {
  const error = failure({
    cwd: workdir(t),
    env: { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA_FILE: 'missing/ca.pem' },
  })
  assert.deepEqual(
    error.issues.map((i) => i.message),
    ['KAFKA_TLS_CA_FILE (environment variable): cannot read missing/ca.pem (ENOENT), e.g. /etc/kafka/ca.pem'],
  )
})

test('a broker port outside 1..65535 fails at load, not later inside the wire client', (t) => {
  for (const value of ['127.0.0.1:99999', 'localhost:0', 'localhost:9092,localhost:65536']) {
    const error = failure({ cwd: workdir(t), env: { KAFKA_BROKERS: value } })
    assert.deepEqual(
      error.issues.map((i) => i.message),
      [
        `KAFKA_BROKERS (environment variable) must be a list of host:port (comma-separated in a variable), e.g. localhost:9092,localhost:9093 (got ${JSON.stringify(value)})`,
      ],
      value,
    )
  }
  assert.deepEqual(loadConfig({ argv: [], cwd: workdir(t), env: { KAFKA_BROKERS: 'a:1,b:65535' } }).client.brokers, [
    'a:1',
    'b:65535',
  ])
})

test('a CA file that is not PEM fails at load, naming the variable', (t) => {
  const cwd = workdir(t, { 'ca.der': 'this is not a certificate\n', 'empty.pem': '' })
  for (const file of ['ca.der', 'empty.pem']) {
    const error = failure({ cwd, env: { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_TLS_CA_FILE: file } })
    assert.deepEqual(
      error.issues.map((i) => i.message),
      [
        `KAFKA_TLS_CA_FILE (environment variable): ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----), e.g. /etc/kafka/ca.pem`,
      ],
    )
  }
})

test('acks other than all with idempotence on names both settings', (t) => {
  const error = failure({ cwd: workdir(t), env: { KAFKA_PRODUCER_ACKS: 'leader' } })
  assert.deepEqual(
    error.issues.map((i) => i.message),
    [
      'KAFKA_PRODUCER_ACKS (environment variable) must be all while producer.idempotent is true (set KAFKA_PRODUCER_IDEMPOTENT=false to use acks leader), e.g. all',
    ],
  )
})

test('a missing --config file, invalid YAML and a top level that is not a mapping', (t) => {
  const cwd = workdir(t, { 'bad.yaml': 'client:\n  brokers: [a:1\n', 'list.yaml': '- a\n- b\n' })
  assert.deepEqual(
    failure({ cwd, argv: ['--config', 'nope.yaml'] }).issues.map((i) => i.message),
    ['config file ./nope.yaml: file not found'],
  )
  assert.match(
    failure({ cwd, argv: ['--config', 'bad.yaml'] }).issues[0]!.message,
    /^config file \.\/bad\.yaml is not valid YAML: /,
  )
  assert.deepEqual(
    failure({ cwd, argv: ['--config', 'list.yaml'] }).issues.map((i) => i.message),
    ['./list.yaml must hold a mapping of sections (client, producer, consumer, ...), e.g. client:'],
  )
})

test('every mistake is reported at once (an invalid value is not also "missing"), and a secret never appears in a message', (t) => {
  const secret = 's3cr3t-value-do-not-print'
  const cwd = workdir(t, { 'kafkit.yaml': `client:\n  sasl:\n    password: [${secret}]\n` })
  const error = failure({
    cwd,
    env: {
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_CONSUMER_FETCH_MIN_BYTES: '-1',
      KAFKA_SASL_OAUTHBEARER_TOKEN: '',
    },
  })
  assert.deepEqual(
    error.issues.map((i) => i.message),
    [
      'client.sasl.password in ./kafkit.yaml must be a non-empty string, e.g. my-api-secret (got a value that is not shown (secret))',
      'KAFKA_CONSUMER_FETCH_MIN_BYTES (environment variable) must be a positive integer, e.g. 1024 (got "-1")',
      'client.sasl.mechanism is required when KAFKA_SECURITY_PROTOCOL (environment variable) is SASL_SSL: set KAFKA_SASL_MECHANISM or client.sasl.mechanism in the config file, e.g. PLAIN',
    ],
  )
  assert.ok(!error.message.includes(secret) && !JSON.stringify(error.issues).includes(secret))
})
