// docs/producer.md#options: `acks: 'leader'` reports where the record was written; `acks: 'none'` gets
// no answer from the broker, so its offsets are reported as -1n, and the record is still written.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { InMemoryKafka } from '../../src/testing/index.ts'
import { createTopic } from '../support/kafka.ts'
import { readRecords, recordCount, testProducer, userEvents, waitFor } from './support.ts'

test("acks 'none': publish resolves with offset -1n and the record is written; 'leader' reports the offset", async (t) => {
  const topic = await createTopic(t, 'acks', { partitions: 1 })
  const { UserRegistered } = userEvents(topic, 1)
  const leader = testProducer(t, { acks: 'leader', idempotent: false })
  const none = testProducer(t, { acks: 'none', idempotent: false })

  const first = await leader.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co' })
  assert.equal(first.offset, 0n)
  const unanswered = await none.publish(UserRegistered, { user_id: 'u2', email: 'c@d.co' })
  assert.equal(unanswered.status, 'published')
  assert.equal(unanswered.offset, -1n, 'no answer: no offset')
  const [batch] = await none.publishBatch([{ event: UserRegistered, payload: { user_id: 'u3', email: 'e@f.co' } }])
  assert.equal(batch!.offset, -1n)

  await waitFor(async () => (await recordCount(t, topic)) === 3, 'all three records on the topic')
  const records = await readRecords(t, topic, 3)
  assert.deepEqual(
    records.map((r) => r.headers.get('event-id')),
    [first.eventId, unanswered.eventId, batch!.eventId],
  )
})

test('each request asks the broker for the acks of the producer, idempotent or not', async () => {
  // The wire client ignores the acks it is constructed with and asks for the leader's alone (acks=1)
  // unless each send says otherwise: record what every send asks for, on the in-memory Kafka.
  const broker = new InMemoryKafka()
  const { UserRegistered } = userEvents('acks-sent', 1)
  broker.createTopic('acks-sent', { partitions: 1 })
  const cases = [
    [{}, -1],
    [{ acks: 'all', idempotent: false }, -1],
    [{ acks: 'leader', idempotent: false }, 1],
    [{ acks: 'none', idempotent: false }, 0],
  ] as const
  for (const [options, expected] of cases) {
    const asked: number[] = []
    const producer = new Producer({
      client: { brokers: ['in-memory:9092'] },
      service: 'acks-svc',
      logger: silentLogger(),
      ...options,
      transport: (o) => {
        const transport = broker.transport()(o)
        const send = transport.wire.send.bind(transport.wire)
        transport.wire.send = (request) => {
          asked.push(request.acks)
          return send(request)
        }
        return transport
      },
    })
    await producer.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co' })
    await producer.close()
    assert.deepEqual(asked, [expected], JSON.stringify(options))
  }
})

test("the in-memory Kafka answers acks 'none' as the broker does: no offset (-1n), the record written, no refusal heard", async () => {
  const broker = new InMemoryKafka()
  const { UserRegistered } = userEvents('acks-none', 1)
  broker.createTopic('acks-none', { partitions: 1, maxMessageBytes: 4096 })
  const producer = new Producer({
    client: { brokers: ['in-memory:9092'] },
    service: 'acks-svc',
    logger: silentLogger(),
    acks: 'none',
    idempotent: false,
    transport: broker.transport(),
  })
  const result = await producer.publish(UserRegistered, { user_id: 'u1', email: 'a@b.co' })
  // Over the topic's max.message.bytes: the broker drops it, and with no answer nobody hears of it.
  const refused = await producer.publish(UserRegistered, { user_id: 'u2', email: `${'x'.repeat(5000)}@b.co` })
  await producer.close()
  assert.equal(result.offset, -1n, 'no answer: no offset')
  assert.equal(refused.offset, -1n, 'a refused record resolves like any other')
  assert.deepEqual(
    broker.records('acks-none').map((r) => r.offset),
    [0n],
  )
})
