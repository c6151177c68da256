// consumer.start() is bounded and says why it failed: against the local broker's SASL and TLS
// listeners with a wrong password, a CA that did not sign the broker certificate, a server name the
// certificate does not carry; against a refused port and a broker that accepts connections and never
// answers. Each fails within seconds with a KafkitError naming the broker and the cause, never the
// password and never the wire client's "joinGroup failed" text. The right settings start.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import type { ClientOptions } from '../../src/config/client.ts'
import { Consumer } from '../../src/consumer/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { captureKafkitLogs } from '../logging/capture.ts'
import { refusingBroker, silentBroker } from '../support/silent-broker.ts'
import { createTopic, uniqueName, waitFor } from '../support/kafka.ts'

const FAST_MS = 5000
const WRONG_PASSWORD = 'not-the-password-s7'
const CA_FILE = join(homedir(), '.cache', 'kafkit', 'tls', 'ca.pem')
const SASL_PLAINTEXT = '127.0.0.1:9094'
const SSL = '127.0.0.1:9095'
const SASL_SSL = '127.0.0.1:9096'
const secured = existsSync(CA_FILE) && process.env['KAFKA_BROKERS']?.startsWith('127.0.0.1:9092')

interface Outcome {
  error: KafkitError | undefined
  ms: number
  logs: string[]
}

async function start(t: TestContext, client: ClientOptions, topicName: string, extra: object = {}): Promise<Outcome> {
  const logs = captureKafkitLogs({ level: 'trace' })
  const topic = defineTopic({ name: topicName, key: 'id', partitions: 1 })
  const Seen = defineEvent({ type: 'start.seen', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const consumer = new Consumer({
    client,
    catalog: createCatalog([Seen]),
    service: 'start-bound',
    group: uniqueName('start-bound'),
    logger: logs.logger,
    lagInterval: false,
    ...extra,
  })
  consumer.on(Seen, () => undefined)
  t.after(() => consumer.stop())
  const started = Date.now()
  const error = await consumer.start().then(
    () => undefined,
    (e: unknown) => {
      assert.ok(KafkitError.is(e), `not a KafkitError: ${String(e)}`)
      return e
    },
  )
  const ms = Date.now() - started
  t.diagnostic(`${ms} ms: ${error ? `${error.code} ${error.message}` : 'started'}`)
  return { error, ms, logs: logs.raw }
}

function assertNamed(outcome: Outcome, code: string, broker: string, within = FAST_MS) {
  const { error, ms } = outcome
  assert.ok(error, 'start() succeeded')
  assert.ok(ms < within, `start() failed after ${ms} ms`)
  assert.equal(error.code, code, error.message)
  assert.ok(error.message.includes(broker), `the broker is not named: ${error.message}`)
  assert.doesNotMatch(error.message, /joinGroup failed/)
  for (const text of [...outcome.logs, error.message, String(error.stack), JSON.stringify(error.details)])
    assert.ok(!text.includes(WRONG_PASSWORD), `the password in: ${text}`)
}

const tls = () => ({ ca: readFileSync(CA_FILE, 'utf8') })
const sasl = (password: string) =>
  ({ mechanism: 'SCRAM-SHA-512', username: LOCAL_SASL_USER.username, password }) as const

test('consumer.start() against the local broker listeners', { skip: !secured }, async (t) => {
  const topic = await createTopic(t, 'start-bound', { partitions: 1 })

  await t.test('SASL_SSL with the right settings starts', async (t) => {
    const outcome = await start(t, { brokers: [SASL_SSL], tls: tls(), sasl: sasl(LOCAL_SASL_USER.password) }, topic)
    assert.equal(outcome.error, undefined)
  })

  await t.test('SSL with the right CA starts', async (t) => {
    const outcome = await start(t, { brokers: [SSL], tls: tls() }, topic)
    assert.equal(outcome.error, undefined)
  })

  await t.test('a wrong SCRAM password (SASL_PLAINTEXT): KAFKIT_AUTH_FAILED in seconds', async (t) => {
    const outcome = await start(t, { brokers: [SASL_PLAINTEXT], sasl: sasl(WRONG_PASSWORD) }, topic)
    assertNamed(outcome, ErrorCodes.AUTH_FAILED, SASL_PLAINTEXT)
    assert.match(outcome.error!.message, /rejected the credentials/)
  })

  await t.test('a wrong SCRAM password (SASL_SSL): KAFKIT_AUTH_FAILED in seconds', async (t) => {
    const outcome = await start(t, { brokers: [SASL_SSL], tls: tls(), sasl: sasl(WRONG_PASSWORD) }, topic)
    assertNamed(outcome, ErrorCodes.AUTH_FAILED, SASL_SSL)
  })

  await t.test('a CA that did not sign the broker certificate: KAFKIT_TLS_FAILED in seconds', async (t) => {
    const otherCa = { ca: readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') }
    const outcome = await start(t, { brokers: [SSL], tls: otherCa }, topic)
    assertNamed(outcome, ErrorCodes.TLS_FAILED, SSL)
    assert.match(outcome.error!.message, /certificate/)
  })

  await t.test('a server name the certificate does not carry: KAFKIT_TLS_FAILED in seconds', async (t) => {
    const outcome = await start(t, { brokers: [SSL], tls: tls(), tlsServerName: 'kafka.example.com' }, topic)
    assertNamed(outcome, ErrorCodes.TLS_FAILED, SSL)
    assert.match(outcome.error!.message, /altnames/)
  })
})

test('consumer.start() against a refused port: KAFKIT_BROKER_UNAVAILABLE in seconds', async (t) => {
  const broker = await refusingBroker()
  const outcome = await start(t, { brokers: [broker] }, uniqueName('start-refused'))
  assertNamed(outcome, ErrorCodes.BROKER_UNAVAILABLE, broker)
  assert.match(outcome.error!.message, /could not be reached/)
})

test('consumer.start() against a broker that never answers: within startTimeout, "did not answer"', async (t) => {
  const broker = await silentBroker(t)
  const outcome = await start(t, { brokers: [broker] }, uniqueName('start-silent'), { startTimeout: '3s' })
  assertNamed(outcome, ErrorCodes.BROKER_UNAVAILABLE, broker, 3000 + 1500)
  assert.match(outcome.error!.message, /did not answer/)
})

test('consumer.close() during a start against a broker that never answers: both end at once, the start says it was closed', async (t) => {
  const broker = await silentBroker(t)
  const topic = defineTopic({ name: uniqueName('start-closed'), key: 'id', partitions: 1 })
  const Seen = defineEvent({ type: 'start.seen', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const consumer = new Consumer({
    client: { brokers: [broker] },
    catalog: createCatalog([Seen]),
    service: 'start-bound',
    group: uniqueName('start-bound'),
    logger: captureKafkitLogs({ level: 'trace' }).logger,
    lagInterval: false,
  })
  consumer.on(Seen, () => undefined)
  const starting = consumer.start().then(
    () => undefined,
    (e: unknown) => e,
  )
  // Wait until the start is under way (the member is joining), not for a time.
  await waitFor(() => consumer.status().runners.length > 0, 'the start under way')
  const closing = Date.now()
  await consumer.close()
  const closeMs = Date.now() - closing
  const error = await starting
  const startMs = Date.now() - closing
  t.diagnostic(`close ${closeMs} ms; start ended ${startMs} ms after close(): ${String(error)}`)
  assert.ok(closeMs < FAST_MS, `close() took ${closeMs} ms`)
  assert.ok(startMs < FAST_MS, `start() ended ${startMs} ms after close()`)
  assert.ok(KafkitError.is(error), `not a KafkitError: ${String(error)}`)
  assert.equal(error.code, ErrorCodes.CONSUMER_STATE, error.message)
  assert.match(error.message, /closed before the group was joined/)
})
