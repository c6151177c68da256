// createKafkit from loadConfig against the real broker: a SASL connection set up by variables
// only, a wrong password that fails fast and clearly, and no secret in any log line.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, ErrorCodes, KafkitError, loadConfig } from 'kafkit'
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import { captureKafkitLogs } from '../logging/capture.ts'
import { deprecationsDuring } from '../support/deprecations.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { wireTransactionalProducers } from '../../src/consumer/transaction-producer.ts'
import { workdir } from '../config/workdir.ts'
import { readCommitted } from '../support/committed.ts'
import { saslBroker, saslEnv as localSaslEnv, skipWithoutLocalSasl } from '../support/sasl.ts'

const skipExternal = skipWithoutLocalSasl

function saslEnv(mechanism: string, password: string): NodeJS.ProcessEnv {
  return { ...localSaslEnv(mechanism, password), LOG_LEVEL: 'debug' }
}

function probeEvent() {
  const topic = defineTopic({ name: uniqueName('kafkit-sasl'), key: 'id', partitions: 1 })
  return defineEvent({ type: 'probe.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
}

test(
  'SASL PLAIN from variables alone: provision, publish, consume; no log line holds the password',
  { skip: skipExternal },
  async (t) => {
    const Probe = probeEvent()
    deleteAfter(t, () => [Probe.topic.name, `${Probe.topic.name}.dlq`])
    const config = loadConfig({ argv: [], cwd: workdir(t), env: saslEnv('PLAIN', LOCAL_SASL_USER.password) })
    const logs = captureKafkitLogs({ level: 'debug' })
    const kafkit = createKafkit({ service: 'sasl-probe', catalog: [Probe], config, logger: logs.logger })
    defer(t, () => kafkit.close())
    kafkit.logger.info({ config, client: kafkit.client }, 'starting with this configuration')

    const info = await kafkit.connect()
    assert.equal(info.brokers, 1)
    assert.match(info.clusterId ?? '', /.+/)
    await kafkit.provision()
    const seen: string[] = []
    const consumer = kafkit.consumer({ group: uniqueName('sasl-group') })
    consumer.on(Probe, (event) => void seen.push(event.payload.id))
    await consumer.start()
    await kafkit.publish(Probe, { id: 'p-1' })
    await waitFor(() => seen.includes('p-1'), 'the event consumed over SASL')
    await kafkit.close()

    assert.ok(logs.raw.length > 3, 'the SDK logged at debug level')
    assert.ok(
      logs.raw.some((l) => l.includes('"password":"[redacted]"')),
      'the config was logged, redacted',
    )
    for (const line of logs.raw) assert.ok(!line.includes(LOCAL_SASL_USER.password), `password in: ${line}`)
  },
)

test(
  'a wrong password fails fast with an error naming the variables, and is never logged',
  { skip: skipExternal },
  async (t) => {
    const wrong = 'not-the-password-x7'
    const config = loadConfig({ argv: [], cwd: workdir(t), env: saslEnv('PLAIN', wrong) })
    const logs = captureKafkitLogs({ level: 'trace' })
    const kafkit = createKafkit({ service: 'sasl-probe', catalog: [], config, logger: logs.logger })
    defer(t, () => kafkit.close())
    const started = Date.now()
    const error = await kafkit.connect().then(
      () => assert.fail('connected with a wrong password'),
      (e: unknown) => e,
    )
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
    assert.ok(error instanceof KafkitError)
    assert.equal(error.code, ErrorCodes.AUTH_FAILED)
    assert.equal(error.retryable, false)
    assert.equal(
      error.message,
      `${saslBroker()} rejected the credentials (mechanism PLAIN, user kafkit): check KAFKA_SASL_USERNAME (environment variable) and KAFKA_SASL_PASSWORD (environment variable)`,
    )
    kafkit.logger.error({ err: error }, 'cannot connect')
    assert.ok(logs.raw.length > 0)
    for (const line of [...logs.raw, error.message, String(error.stack)]) {
      assert.ok(!line.includes(wrong), `password in: ${line}`)
    }
  },
)

test(
  'SCRAM-SHA-256 and SCRAM-SHA-512 from config',
  { skip: process.env['KAFKIT_TEST_BACKEND'] === 'jvm' ? false : 'the Docker broker enables PLAIN only' },
  async (t) => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const ok = createKafkit({
        service: 'sasl-probe',
        catalog: [],
        config: loadConfig({ argv: [], cwd: workdir(t), env: saslEnv(mechanism, LOCAL_SASL_USER.password) }),
      })
      defer(t, () => ok.close())
      assert.equal((await ok.connect()).brokers, 1, `${mechanism} with the right password`)
      const bad = createKafkit({
        service: 'sasl-probe',
        catalog: [],
        config: loadConfig({ argv: [], cwd: workdir(t), env: saslEnv(mechanism, 'wrong') }),
      })
      defer(t, () => bad.close())
      await assert.rejects(bad.connect(), (e: KafkitError) => e.code === ErrorCodes.AUTH_FAILED)
    }
  },
)

test('an unreachable broker list fails fast as KAFKIT_BROKER_UNAVAILABLE naming KAFKA_BROKERS', async (t) => {
  const config = loadConfig({ argv: [], cwd: workdir(t), env: { KAFKA_BROKERS: '127.0.0.1:1' } })
  const kafkit = createKafkit({ service: 'probe', catalog: [], config })
  defer(t, () => kafkit.close())
  await assert.rejects(kafkit.connect({ timeout: 3000 }), (e: KafkitError) => {
    assert.equal(e.code, ErrorCodes.BROKER_UNAVAILABLE)
    assert.match(
      e.message,
      /^no broker of 127\.0\.0\.1:1 answered: 127\.0\.0\.1:1 could not be reached: .*ECONNREFUSED.* \(brokers from KAFKA_BROKERS \(environment variable\), security protocol PLAINTEXT\)$/,
    )
    return true
  })
})

function withEnv(t: TestContext, values: Record<string, string>) {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]))
  Object.assign(process.env, values)
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })
}

test('createKafkit reads no variable by itself: the caller passes config: loadConfig()', async (t) => {
  withEnv(t, { KAFKA_CONSUMER_GROUP_ID: 'from-env-group', KAFKA_CONSUMER_CONCURRENCY: '3', LOG_LEVEL: 'warn' })
  const warnings = await deprecationsDuring(async () => {
    const kafkit = createKafkit({ service: 'env-service', catalog: [], config: loadConfig({ argv: [] }) })
    defer(t, () => kafkit.close())
    assert.deepEqual(kafkit.client.brokers, brokers())
    assert.equal(kafkit.config?.consumer.concurrency, 3)
    assert.equal(kafkit.logger.level, 'warn')
    assert.equal(kafkit.consumer().group, 'from-env-group')
    assert.equal(kafkit.consumer({ group: 'explicit' }).group, 'explicit', 'explicit options win over the config')
    assert.equal((await kafkit.connect()).brokers >= 1, true)

    const explicit = createKafkit({ service: 'explicit', catalog: [], client: { brokers: ['h:1'] } })
    defer(t, () => explicit.close())
    assert.equal(explicit.config, undefined, 'an explicit client reads nothing from files or variables')
    assert.equal(explicit.consumer().group, 'explicit-group')
  })
  assert.deepEqual(warnings, [])
})

test('without client or config, createKafkit still loads the environment, with a deprecation warning', async (t) => {
  withEnv(t, { KAFKA_CONSUMER_GROUP_ID: 'implicit-group' })
  const warnings = await deprecationsDuring(() => {
    for (const service of ['implicit-1', 'implicit-2']) {
      const kafkit = createKafkit({ service, catalog: [] })
      defer(t, () => kafkit.close())
      assert.equal(kafkit.consumer().group, 'implicit-group')
    }
  })
  assert.deepEqual(warnings, [
    'createKafkit() without config or client is deprecated: use createKafkit({ config: loadConfig() })',
  ])
})

test('a transactional consumer from variables alone uses the configured transactional id and timeout', async (t) => {
  const topic = defineTopic({ name: uniqueName('config-tx-in'), key: 'id', partitions: 1 })
  const In = defineEvent({ type: 'tx.asked', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const outTopic = defineTopic({ name: uniqueName('config-tx-out'), key: 'id', partitions: 1 })
  const Out = defineEvent({
    type: 'tx.answered',
    version: '1.0',
    topic: outTopic,
    schema: z.object({ id: z.string() }),
  })
  deleteAfter(t, () => [topic.name, `${topic.name}.dlq`, outTopic.name, `${outTopic.name}.dlq`])
  const id = uniqueName('billing')
  const config = loadConfig({
    argv: [],
    cwd: workdir(t),
    env: {
      KAFKA_BROKERS: brokers().join(','),
      KAFKA_CONSUMER_TRANSACTIONAL: 'true',
      KAFKA_CONSUMER_TRANSACTIONAL_ID: id,
      KAFKA_CONSUMER_TRANSACTION_TIMEOUT: '30s',
    },
  })
  const kafkit = createKafkit({ service: 'config-tx', catalog: [In, Out], config })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  // What kafkit asks the wire client for, recorded on the way: the producers are the real ones.
  const asked: [string, number][] = []
  const producers = wireTransactionalProducers(kafkit.client)
  const consumer = kafkit.consumer({
    group: uniqueName('config-tx-group'),
    transactional: true,
    transactionalProducer: (transactionalId, timeoutMs) => {
      asked.push([transactionalId, timeoutMs])
      return producers(transactionalId, timeoutMs)
    },
  })
  const answered: string[] = []
  consumer.on(In, async (event, ctx) => {
    await ctx.publish(Out, { id: event.payload.id })
    answered.push(event.payload.id)
  })
  await consumer.start()
  await kafkit.publish(In, { id: 'a' })
  await waitFor(() => answered.length === 1, 'the handler ran', { timeoutMs: 60_000 })
  // Outputs become visible when their transaction commits (every commitInterval).
  let outputs: string[] = []
  await waitFor(
    async () => {
      const committed = await readCommitted(t, outTopic.name)
      outputs = committed.map((r) => (JSON.parse(r.value.toString()) as { payload: { id: string } }).payload.id)
      return outputs.length > 0
    },
    'the output committed in its transaction',
    { timeoutMs: 60_000 },
  )
  assert.deepEqual(outputs, ['a'])
  assert.deepEqual(asked, [[`${id}.${consumer.group}`, 30_000]])
})
