// Wrong credentials and TLS settings against the cluster's SASL_SSL listener: publish, connect and
// provisioning and consumer.start() fail within seconds with the cause named.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test, type TestContext } from 'node:test'
import { LOCAL_SASL_USER } from '../../scripts/kafka/index.ts'
import { ensureTopics } from '../../src/admin/index.ts'
import type { ClientOptions } from '../../src/config/client.ts'
import { ErrorCodes } from '../../src/errors.ts'
import { checkConnection } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { probeConsumerStart } from './consumers.ts'
import { faultTopic, report, timed } from './support.ts'

const FAST_MS = 5000
const START_CAP_MS = 60_000

function secured(password: string, ca = process.env['KAFKIT_FAULT_CA']!): ClientOptions {
  return {
    brokers: process.env['KAFKIT_FAULT_SASL_SSL']!.split(','),
    tls: { ca: readFileSync(ca, 'utf8') },
    sasl: { mechanism: 'SCRAM-SHA-512', username: LOCAL_SASL_USER.username, password },
  }
}

async function publishOnce(t: TestContext, client: ClientOptions, topic: string) {
  const producer = new Producer({ client, service: 'faults', logger: silentLogger() })
  t.after(() => producer.close())
  return timed(() => producer.sendRecords([{ topic, value: Buffer.from('x') }]))
}

test(
  'wrong credentials and a wrong CA against the SASL_SSL listener',
  { skip: !process.env['KAFKIT_FAULT_SASL_SSL'] },
  async (t) => {
    const { name: topic } = await faultTopic(t, 'security', 3)
    const right = await publishOnce(t, secured(LOCAL_SASL_USER.password), topic)
    assert.equal(right.code, 'ok', right.message)

    const wrong = secured('not-the-password')
    const publish = await publishOnce(t, wrong, topic)
    const connect = await timed(() => checkConnection(wrong))
    const provision = await timed(() =>
      ensureTopics(wrong, [{ name: topic, partitions: 3, configs: {} }], { logger: silentLogger() }),
    )
    const start = await probeConsumerStart(wrong, START_CAP_MS)
    const otherCa = secured(LOCAL_SASL_USER.password, '/etc/ssl/certs/ca-certificates.crt')
    const tlsPublish = await publishOnce(t, otherCa, topic)
    const tlsConnect = await timed(() => checkConnection(otherCa))
    report(t, {
      'wrong password: publish': publish,
      'wrong password: checkConnection': connect,
      'wrong password: ensureTopics': provision,
      'wrong password: consumer.start()': start,
      'untrusted CA: publish': tlsPublish,
      'untrusted CA: checkConnection': tlsConnect,
    })
    for (const [name, outcome, code] of [
      ['publish', publish, ErrorCodes.AUTH_FAILED],
      ['checkConnection', connect, ErrorCodes.AUTH_FAILED],
      ['ensureTopics', provision, ErrorCodes.AUTH_FAILED],
      ['publish (CA)', tlsPublish, ErrorCodes.TLS_FAILED],
      ['checkConnection (CA)', tlsConnect, ErrorCodes.TLS_FAILED],
    ] as const) {
      assert.equal(outcome.code, code, `${name}: ${outcome.message}`)
      assert.ok(outcome.ms < FAST_MS, `${name} took ${outcome.ms} ms`)
      assert.ok(!outcome.message?.includes('not-the-password'), `${name}: the password in the message`)
    }
    assert.equal(start['code'], ErrorCodes.AUTH_FAILED, `consumer.start(): ${String(start['message'])}`)
    assert.ok(Number(start['ms']) < FAST_MS, `consumer.start() took ${String(start['ms'])} ms`)
    assert.ok(!String(start['message']).includes('not-the-password'), 'consumer.start(): the password in the message')
  },
)
