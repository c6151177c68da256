// The local broker's SSL and SASL_SSL listeners, against a real Kafka: the right settings publish
// and connect; a wrong password, a CA that did not sign the broker certificate, a server name the
// certificate does not carry, or plaintext against a TLS listener fail within seconds, with the
// cause named (KAFKIT_AUTH_FAILED, KAFKIT_TLS_FAILED) and no secret in the error or the logs.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { javaBinary, keytoolBinary, LOCAL_SASL_USER, makeCa } from '../../scripts/kafka/index.ts'
import { ensureTopics } from '../../src/admin/index.ts'
import type { ClientOptions } from '../../src/config/client.ts'
import { loadConfig } from '../../src/config/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { checkConnection } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { captureKafkitLogs } from '../logging/capture.ts'
import { startIsolatedBroker, type IsolatedBroker } from '../support/isolated-broker.ts'
import { uniqueName } from '../support/kafka.ts'

/** How fast a configuration mistake must fail (the publish deadline is 30 s). */
const FAST_MS = 5000
const WRONG_PASSWORD = 'not-the-password-q8'

function producer(t: TestContext, client: ClientOptions, logger = silentLogger()): Producer {
  const p = new Producer({ client, service: 'security-test', logger })
  t.after(() => p.close())
  return p
}

/** Publishes one raw record; returns the error, or undefined if it was acknowledged. */
async function publishOne(t: TestContext, client: ClientOptions, topic: string, logger = silentLogger()) {
  const started = Date.now()
  const error = await producer(t, client, logger)
    .sendRecords([{ topic, key: 'k', value: Buffer.from('v') }])
    .then(
      () => undefined,
      (e: KafkitError) => e,
    )
  return { error, ms: Date.now() - started }
}

function otherCa(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'kafkit-other-ca-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return makeCa(keytoolBinary(javaBinary()!), dir, 'not the broker CA')
}

test('the local broker: SSL and SASL_SSL with the right settings; wrong ones fail fast, naming the cause', async (t) => {
  const broker: IsolatedBroker = await startIsolatedBroker(t)
  const topic = uniqueName('secure')
  await ensureTopics({ brokers: [broker.bootstrap] }, [{ name: topic, partitions: 1, configs: {} }], {
    logger: silentLogger(),
  })
  const tls = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
    brokers: [broker.ssl],
    tls: { ca: readCa(broker.caFile) },
    ...extra,
  })
  const sasl = (mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', password = LOCAL_SASL_USER.password) => ({
    mechanism,
    username: LOCAL_SASL_USER.username,
    password,
  })

  await t.test('SSL with the local CA: connect and publish', async (t) => {
    assert.equal((await checkConnection(tls())).brokers, 1)
    const { error } = await publishOne(t, tls(), topic)
    assert.equal(error, undefined)
  })

  await t.test('SSL by host name (localhost is in the certificate)', async (t) => {
    const port = broker.ssl.split(':')[1]
    const { error } = await publishOne(t, tls({ brokers: [`localhost:${port}`] }), topic)
    assert.equal(error, undefined)
  })

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    await t.test(`SASL_SSL with ${mechanism}: connect and publish`, async (t) => {
      const client = tls({ brokers: [broker.saslSsl], sasl: sasl(mechanism) })
      assert.equal((await checkConnection(client)).brokers, 1)
      const { error } = await publishOne(t, client, topic)
      assert.equal(error, undefined)
    })
  }

  await t.test('SASL_SSL from configuration variables (the CA file kafka:start prints)', async (t) => {
    const config = loadConfig({
      argv: [],
      cwd: broker.home,
      env: {
        KAFKA_BROKERS: broker.saslSsl,
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: LOCAL_SASL_USER.username,
        KAFKA_SASL_PASSWORD: LOCAL_SASL_USER.password,
        KAFKA_TLS_CA_FILE: broker.caFile,
      },
    })
    assert.equal((await checkConnection(config.client, { config })).brokers, 1)
    const { error } = await publishOne(t, config.client, topic)
    assert.equal(error, undefined)
  })

  await t.test('a wrong password: KAFKIT_AUTH_FAILED within seconds, never the password', async (t) => {
    const logs = captureKafkitLogs({ level: 'trace' })
    const client = tls({ brokers: [broker.saslSsl], sasl: sasl('SCRAM-SHA-256', WRONG_PASSWORD) })
    const { error, ms } = await publishOne(t, client, topic, logs.logger)
    assert.ok(ms < FAST_MS, `failed after ${ms} ms`)
    assert.ok(KafkitError.is(error))
    assert.equal(error.code, ErrorCodes.AUTH_FAILED)
    assert.equal(error.retryable, false)
    assert.match(error.message, new RegExp(`${broker.saslSsl} rejected the credentials`))
    const connect = await checkConnection(client).catch((e: KafkitError) => e)
    assert.ok(KafkitError.is(connect) && connect.code === ErrorCodes.AUTH_FAILED)
    assert.match(connect.message, /mechanism SCRAM-SHA-256, user kafkit/)
    for (const text of [
      ...logs.raw,
      error.message,
      String(error.stack),
      connect.message,
      JSON.stringify(error.details),
    ]) {
      assert.ok(!text.includes(WRONG_PASSWORD), `the password in: ${text}`)
    }
  })

  await t.test('a CA that did not sign the broker certificate: KAFKIT_TLS_FAILED within seconds', async (t) => {
    const client = tls({ tls: { ca: readCa(otherCa(t)) } })
    const { error, ms } = await publishOne(t, client, topic)
    assert.ok(ms < FAST_MS, `failed after ${ms} ms`)
    assert.equal(error?.code, ErrorCodes.TLS_FAILED)
    assert.match(error.message, new RegExp(`${broker.ssl} failed the TLS handshake: .*certificate`))
    const connect = await checkConnection(client).catch((e: KafkitError) => e)
    assert.ok(KafkitError.is(connect) && connect.code === ErrorCodes.TLS_FAILED)
  })

  await t.test('a server name the certificate does not carry: KAFKIT_TLS_FAILED within seconds', async (t) => {
    const client = tls({ tlsServerName: 'kafka.example.com' })
    const { error, ms } = await publishOne(t, client, topic)
    assert.ok(ms < FAST_MS, `failed after ${ms} ms`)
    assert.equal(error?.code, ErrorCodes.TLS_FAILED)
    assert.match(error.message, /kafka\.example\.com.* is not in the cert's altnames/)
  })

  await t.test('plaintext against the SSL listener: KAFKIT_TLS_FAILED, the listener expects TLS', async (t) => {
    const { error, ms } = await publishOne(t, { brokers: [broker.ssl] }, topic)
    assert.ok(ms < FAST_MS, `failed after ${ms} ms`)
    assert.equal(error?.code, ErrorCodes.TLS_FAILED)
    const connect = await checkConnection({ brokers: [broker.ssl] }).catch((e: KafkitError) => e)
    assert.ok(KafkitError.is(connect))
    assert.match(connect.message, /the listener expects TLS: set the security protocol to SSL or SASL_SSL/)
  })
})

function readCa(file: string): string {
  return readFileSync(file, 'utf8')
}
