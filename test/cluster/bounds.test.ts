// Every public operation against a broker that accepts connections and never answers (or a port
// that refuses them) returns within its bound, with a KafkitError that names the broker and the
// cause. Small bounds keep the test short; test/faults/bounds.test.ts runs the defaults.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { ensureTopics } from '../../src/admin/index.ts'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { checkConnection, createKafkit } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { brokers, createTopic } from '../support/kafka.ts'
import { refusingBroker, silentBroker } from '../support/silent-broker.ts'

/** Slack over a bound for a loaded machine: the point is minutes versus seconds. */
const SLACK_MS = 2500
const DEADLINE_MS = 1500
const CLOSE_MS = 1000

const topic = defineTopic({ name: 'bounds.events.v1', key: 'id', partitions: 1 })
const Happened = defineEvent({ type: 'bounds.happened', version: '1.0', topic, schema: z.object({ id: z.string() }) })

/** A topic on the shared broker, with an event on it. */
async function sharedTopic(t: TestContext) {
  const name = await createTopic(t, 'bounds-hedged')
  const Seq = defineEvent({
    type: 'bounds.happened',
    version: '1.0',
    topic: defineTopic({ name, key: 'id', partitions: 1 }),
    schema: z.object({ id: z.string() }),
  })
  return { name, Seq }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T | undefined; error: unknown; ms: number }> {
  const started = Date.now()
  try {
    return { value: await work(), error: undefined, ms: Date.now() - started }
  } catch (error) {
    return { value: undefined, error, ms: Date.now() - started }
  }
}

function assertNames(
  error: unknown,
  broker: string,
  failure: 'no-answer' | 'unreachable',
): asserts error is KafkitError {
  assert.ok(KafkitError.is(error), `a KafkitError: ${String(error)}`)
  assert.ok(error.message.includes(broker), `names the broker: ${error.message}`)
  assert.equal(error.details['failure'], failure, error.message)
  assert.deepEqual(error.details['brokers'], [broker])
}

test('a silent broker first in the list does not hold up connecting or publishing through the others', async (t) => {
  const silent = await silentBroker(t)
  const client = { brokers: [silent, ...brokers()] }
  const { error, ms } = await timed(() => checkConnection(client, { timeout: 10_000 }))
  assert.equal(error, undefined)
  // Asked first, the silent broker is given up on after half a second and the next one answers.
  assert.ok(ms < 3000, `${ms} ms`)
  const { Seq, name } = await sharedTopic(t)
  const producer = new Producer({ client, service: 'bounds', logger: silentLogger(), deliveryTimeout: 10_000 })
  t.after(() => producer.close())
  const publish = await timed(() => producer.publish(Seq, { id: '1' }))
  assert.equal(publish.error, undefined)
  assert.ok(publish.ms < 3000, `publish: ${publish.ms} ms`)
  t.diagnostic(`checkConnection ${ms} ms, publish ${publish.ms} ms (topic ${name})`)
})

for (const kind of ['silent', 'refusing'] as const) {
  const failure = kind === 'silent' ? 'no-answer' : 'unreachable'

  test(`a ${kind} broker: checkConnection fails within its bound`, async (t) => {
    const broker = kind === 'silent' ? await silentBroker(t) : await refusingBroker()
    const { error, ms } = await timed(() => checkConnection({ brokers: [broker] }, { timeout: DEADLINE_MS }))
    assert.ok(ms < DEADLINE_MS + SLACK_MS, `${ms} ms`)
    assertNames(error, broker, failure)
    assert.equal(error.code, ErrorCodes.BROKER_UNAVAILABLE)
    t.diagnostic(`checkConnection: ${ms} ms`)
  })

  test(`a ${kind} broker: publish, flush and close return within their bounds`, async (t) => {
    const broker = kind === 'silent' ? await silentBroker(t) : await refusingBroker()
    const producer = new Producer({
      client: { brokers: [broker] },
      service: 'bounds',
      logger: silentLogger(),
      deliveryTimeout: DEADLINE_MS,
      closeTimeout: CLOSE_MS,
    })
    const publish = timed(() => producer.publish(Happened, { id: '1' }))
    producer.publishAsync(Happened, { id: '2' })
    const flush = await timed(() => producer.flush())
    assert.ok(flush.ms < DEADLINE_MS + SLACK_MS, `flush: ${flush.ms} ms`)
    const { error, ms } = await publish
    assert.ok(ms < DEADLINE_MS + SLACK_MS, `publish: ${ms} ms`)
    assertNames(error, broker, failure)
    assert.equal(error.code, ErrorCodes.PUBLISH_TIMEOUT)
    assert.equal(error.details['sent'], false, 'never sent: the cluster did not answer metadata')
    producer.publishAsync(Happened, { id: '3' })
    producer.publishAsync(Happened, { id: '4' })
    const close = await timed(() => producer.close())
    assert.equal(close.error, undefined)
    assert.ok(close.ms < DEADLINE_MS + CLOSE_MS + SLACK_MS, `close: ${close.ms} ms`)
    t.diagnostic(`publish ${ms} ms, flush ${flush.ms} ms, close ${close.ms} ms`)
  })

  test(`a ${kind} broker: kafkit.close() after publishing returns within the producer's bounds`, async (t) => {
    const broker = kind === 'silent' ? await silentBroker(t) : await refusingBroker()
    const kafkit = createKafkit({
      service: 'bounds',
      catalog: [Happened],
      client: { brokers: [broker] },
      logger: silentLogger(),
      producer: { deliveryTimeout: DEADLINE_MS, closeTimeout: CLOSE_MS },
    })
    kafkit.publishAsync(Happened, { id: '1' })
    const close = await timed(() => kafkit.close())
    assert.equal(close.error, undefined)
    assert.ok(close.ms < DEADLINE_MS + CLOSE_MS + SLACK_MS, `close: ${close.ms} ms`)
    t.diagnostic(`kafkit.close(): ${close.ms} ms`)
  })

  test(`a ${kind} broker: ensureTopics fails within its bound`, async (t) => {
    const broker = kind === 'silent' ? await silentBroker(t) : await refusingBroker()
    const specs = [{ name: 'bounds.events.v1', partitions: 1, configs: {} }]
    const { error, ms } = await timed(() =>
      ensureTopics({ brokers: [broker] }, specs, { timeout: DEADLINE_MS, logger: silentLogger() }),
    )
    assert.ok(ms < DEADLINE_MS + SLACK_MS, `${ms} ms`)
    assertNames(error, broker, failure)
    assert.equal(error.code, ErrorCodes.BROKER_UNAVAILABLE)
    t.diagnostic(`ensureTopics: ${ms} ms`)
  })
}
