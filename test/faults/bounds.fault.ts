// Every public operation with its default bounds, against a broker that accepts connections and
// never answers, and against a port that refuses them: the times are the figures of
// docs/reliability.md. consumer.start() names the broker within startTimeout (rebalanceTimeout + 10 s);
// consumer.close() called during such a start returns within shutdownTimeout.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { ensureTopics } from '../../src/admin/index.ts'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { checkConnection, createKafkit } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { PRODUCER_DEFAULTS, Producer } from '../../src/producer/index.ts'
import { refusingBroker, silentBroker } from '../support/silent-broker.ts'
import { probeConsumerStart } from './consumers.ts'
import { report, timed } from './support.ts'

const topic = defineTopic({ name: 'faults.bounds.v1', key: 'id', partitions: 1 })
const Happened = defineEvent({ type: 'faults.happened', version: '1.0', topic, schema: z.object({ id: z.string() }) })
const SLACK_MS = 3000
const START_CAP_MS = 90_000
/** consumer.close() is called this long after start() began. */
const CLOSE_AFTER_MS = 1000

for (const kind of ['silent', 'refusing'] as const) {
  test(`a ${kind} broker, default bounds`, async (t) => {
    const broker = kind === 'silent' ? await silentBroker(t) : await refusingBroker()
    const client = { brokers: [broker] }
    const connect = await timed(() => checkConnection(client))
    const provision = await timed(() =>
      ensureTopics(client, [{ name: topic.name, partitions: 1, configs: {} }], { logger: silentLogger() }),
    )
    const producer = new Producer({ client, service: 'faults', logger: silentLogger() })
    const publishing = timed(() => producer.publish(Happened, { id: '1' }))
    producer.publishAsync(Happened, { id: '2' })
    const flush = await timed(() => producer.flush())
    const publish = await publishing
    producer.publishAsync(Happened, { id: '3' })
    const close = await timed(() => producer.close())
    const kafkit = createKafkit({ service: 'faults', catalog: [Happened], client, logger: silentLogger() })
    kafkit.publishAsync(Happened, { id: '4' })
    const kafkitClose = await timed(() => kafkit.close())
    const start = await probeConsumerStart(client, START_CAP_MS)
    const closeDuringStart = await probeConsumerStart(client, START_CAP_MS, CLOSE_AFTER_MS)
    report(t, {
      'checkConnection()': connect,
      'ensureTopics()': provision,
      'publish()': publish,
      'flush()': flush,
      'producer.close()': close,
      'kafkit.close()': kafkitClose,
      'consumer.start()': start,
      'consumer.close() 1 s into start()': closeDuringStart,
    })
    const deadline = PRODUCER_DEFAULTS.deliveryTimeout
    assert.ok(connect.ms < 10_000 + SLACK_MS)
    assert.ok(provision.ms < 30_000 + SLACK_MS)
    assert.ok(publish.ms < deadline + SLACK_MS)
    assert.ok(flush.ms < deadline + SLACK_MS)
    assert.ok(close.ms < deadline + PRODUCER_DEFAULTS.closeTimeout + SLACK_MS)
    assert.ok(kafkitClose.ms < deadline + PRODUCER_DEFAULTS.closeTimeout + SLACK_MS)
    for (const outcome of [connect, provision, publish]) assert.ok(outcome.message?.includes(broker), outcome.message)
    assert.equal(start['code'], 'KAFKIT_BROKER_UNAVAILABLE', String(start['message']))
    assert.ok(Number(start['ms']) < 70_000 + SLACK_MS, `consumer.start() took ${String(start['ms'])} ms`)
    assert.ok(String(start['message']).includes(broker), String(start['message']))
    // close() ends a start under way within shutdownTimeout (30 s); the start fails saying it was closed.
    assert.equal(closeDuringStart['code'], 'KAFKIT_CONSUMER_STATE', JSON.stringify(closeDuringStart))
    assert.ok(Number(closeDuringStart['closeMs']) < 30_000 + SLACK_MS, JSON.stringify(closeDuringStart))
  })
}
