// Envelopes as Go services write them (a struct without omitempty, a time not converted to UTC, no
// kafkit headers): handled in the default tolerant mode and counted per producer; dead-lettered with
// a message saying how to fix the producer under decode: 'strict'. Decoding does not depend on the
// broker: the bytes are written to kafkit/testing's in-memory Kafka and the real runtime reads them.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { topicSpecsFor } from '../../src/admin/index.ts'
import { Consumer, type ConsumedEvent, type ConsumerOptions } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Metrics } from '../../src/observability/names.ts'
import { Producer } from '../../src/producer/index.ts'
import { InMemoryKafka } from '../../src/testing/index.ts'
import { failureOf } from '../support/dlq.ts'
import { defer, track, uniqueName, waitFor } from '../support/kafka.ts'
import { installOtel } from '../observability/otel.ts'
import { happenedEvent } from './fixtures/happened.ts'

const otel = installOtel()

/**
 * What encoding/json writes for a Go envelope struct whose optional fields are plain values, not
 * omitempty pointers: the Go seed's `Envelope`, with `Actor` a struct and `Metadata` a nil map, and a
 * `time.Time` in the service's local zone (RFC3339Nano, trailing zeros trimmed). Field order as declared.
 */
function goEnvelope(entity: string, seq: number): string {
  return (
    `{"id":"${randomUUID()}","type":"test.happened","version":"1.0","source":"go-orders",` +
    `"timestamp":"2026-01-31T14:00:00.1234567+02:00","correlation_id":"corr-${seq}","causation_id":"",` +
    `"actor":{"id":"","type":""},"metadata":null,"payload":{"entity":"${entity}","seq":${seq}}}`
  )
}

async function setup(t: TestContext) {
  const name = uniqueName('go-envelopes')
  const { Happened, catalog } = happenedEvent(name)
  const broker = new InMemoryKafka()
  for (const spec of topicSpecsFor(catalog, { dlq: true }))
    broker.createTopic(spec.name, { partitions: spec.partitions })
  const client = { brokers: ['in-memory:9092'] }
  const producer = track(
    t,
    new Producer({ client, service: 'go-interop', logger: silentLogger(), transport: broker.transport() }),
  )
  // The Go service's bytes, as they are: no kafkit headers.
  await producer.sendRecords(
    Array.from({ length: 5 }, (_, i) => ({ topic: name, key: `e${i}`, value: Buffer.from(goEnvelope(`e${i}`, i)) })),
  )
  const consumerOf = (options: Pick<ConsumerOptions, 'decode'>) => {
    const consumer = new Consumer({
      client,
      service: 'node-billing',
      group: uniqueName('go-envelopes-group'),
      logger: silentLogger(),
      catalog,
      producer,
      groupMember: broker.members(),
      lagInterval: false,
      telemetry: true,
      ...options,
    })
    defer(t, () => consumer.stop())
    return consumer
  }
  /** The first `count` records of a topic, once it has them, headers as text. */
  const readTopic = async (topic: string, count: number) => {
    await waitFor(() => broker.records(topic).length >= count, `${count} records in ${topic}`)
    return broker.records(topic).map((r) => ({
      key: r.key,
      value: r.value,
      headers: new Map(r.headerEntries.map(([k, v]) => [k.toString(), v?.toString() ?? ''])),
    }))
  }
  return { name, Happened, consumerOf, broker, readTopic }
}

test('by default, Go envelopes without omitempty are handled, normalised, and counted per producer', async (t) => {
  const { name, Happened, consumerOf, broker } = await setup(t)
  const seen: ConsumedEvent[] = []
  const consumer = consumerOf({})
  consumer.on(Happened, (event) => void seen.push(event))
  await consumer.start()
  await waitFor(() => seen.length === 5, 'the five Go envelopes handled')

  for (const event of seen) {
    assert.equal(event.timestamp, '2026-01-31T12:00:00.1234567Z', 'the same instant, in UTC, every digit kept')
    assert.equal(event.source, 'go-orders')
    for (const field of ['causation_id', 'actor', 'metadata']) {
      assert.ok(!(field in event), `${field} is absent, not "" or a zero-value actor`)
    }
  }
  assert.equal(broker.records(`${name}.dlq`).length, 0, 'nothing dead-lettered')
  const counted = (tolerated: string) =>
    otel.sum(Metrics.envelopeTolerated, {
      'kafkit.event.source': 'go-orders',
      'kafkit.event.type': 'test.happened',
      'kafkit.envelope.tolerated': tolerated,
      'messaging.consumer.group.name': consumer.group,
    })
  for (const tolerated of ['causation_id.empty', 'actor.zero_value', 'metadata.null', 'timestamp.offset']) {
    assert.equal(await counted(tolerated), 5, tolerated)
  }
})

test("decode: 'strict' dead-letters Go envelopes without omitempty, with an error that names the fix", async (t) => {
  const { name, Happened, consumerOf, readTopic } = await setup(t)
  let calls = 0
  const consumer = consumerOf({ decode: 'strict' })
  consumer.on(Happened, () => void calls++)
  await consumer.start()
  const dead = (await readTopic(`${name}.dlq`, 5)).map((r) => failureOf(r))
  assert.equal(dead.length, 5)
  for (const record of dead) {
    assert.equal(record.error_code, 'KAFKIT_ENVELOPE_INVALID')
    assert.equal(record.attempt_count, 1, 'not retried: it can never succeed')
    assert.match(record.error_message, /timestamp: must be a UTC ISO 8601 time .*write UTC \(Go: t\.UTC\(\)\)/)
    assert.match(record.error_message, /causation_id: .*got an empty string: leave the field out .*\(Go: omitempty\)/)
    assert.match(record.error_message, /actor: .*got a zero-value actor/)
    assert.match(record.error_message, /or consume with decode: 'tolerant'/)
  }
  assert.equal(calls, 0)
})
