// Records that cannot be handled go to the DLQ with their original bytes and the failure's facts.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { z } from 'zod'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, type Catalog } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions } from '../../src/consumer/index.ts'
import { NonRetryableError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { failureOf } from '../support/dlq.ts'
import { brokers, deleteAfter, readTopic, track, uniqueName, waitFor, defer } from '../support/kafka.ts'
import { captureLogs } from '../support/logs.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

function setup(t: TestContext, partitions = 1) {
  const name = uniqueName('dlq-src')
  const { topic, Happened } = happenedEvent(name, partitions)
  const Other = defineEvent({ type: 'test.other', version: '1.0', topic, schema: z.object({ entity: z.string() }) })
  const catalog = createCatalog([Happened, Other])
  deleteAfter(t, () => [name, `${name}.dlq`])
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'dlq-test', logger: silentLogger() }),
  )
  return { name, topic, Happened, Other, catalog, producer }
}

async function provision(catalog: Catalog, dlq = true) {
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog, { dlq }), { logger: silentLogger() })
}

function consumerOf(t: TestContext, options: Omit<ConsumerOptions, 'client' | 'service'>) {
  const consumer = new Consumer({
    client: { brokers: brokers() },
    service: 'dlq-svc',
    group: uniqueName('dlq-group'),
    logger: silentLogger(),
    ...options,
  })
  defer(t, () => consumer.stop())
  return consumer
}

test('a handler that always fails: the record reaches the DLQ after the configured attempts, and its partition keeps flowing', async (t) => {
  const { name, Happened, catalog, producer } = setup(t)
  await provision(catalog)
  await producer.publish(Happened, { entity: 'poison', seq: 0 })
  for (let i = 0; i < 20; i++) await producer.publish(Happened, { entity: `ok-${i}`, seq: i })

  const attempts: number[] = []
  const handledOthers: number[] = []
  const consumer = consumerOf(t, { catalog, producer, retry: { maxAttempts: 4, initialBackoff: 100 } })
  consumer.on(Happened, (event, ctx) => {
    if (event.payload.entity !== 'poison') return void handledOthers.push(Date.now())
    attempts.push(ctx.attempt)
    throw new Error('cannot ever work')
  })
  await consumer.start()
  const [dead] = await readTopic(t, `${name}.dlq`, 1)
  assert.deepEqual(attempts, [1, 2, 3, 4])
  assert.equal(handledOthers.length, 20, 'the other 20 events of the partition were handled meanwhile')

  const record = failureOf(dead!)
  assert.equal(record.original_topic, name)
  assert.equal(record.original_partition, 0)
  assert.equal(record.original_offset, '0')
  assert.equal(record.consumer_group, consumer.group)
  assert.equal(record.service, 'dlq-svc')
  assert.equal(record.event_type, 'test.happened')
  assert.equal(record.error_message, 'cannot ever work')
  assert.equal(record.error_type, 'Error')
  assert.equal(record.error_code, 'KAFKIT_HANDLER_FAILED', "a handler's plain error has the documented code")
  assert.equal(record.attempt_count, 4)
  assert.equal(record.retryable, true, 'a retryable error, given up after the configured attempts')
  assert.ok(Date.parse(record.first_failure) < Date.parse(record.last_failure))
  assert.equal(record.value_encoding, 'json')
  assert.equal((record.original_value as { payload: { entity: string } }).payload.entity, 'poison')
  assert.equal(dead!.key?.toString(), 'poison', 'the DLQ record keeps the original key')
  const [original] = await readTopic(t, name, 1)
  assert.deepEqual(dead!.value, original!.value, 'its value is the original value, byte for byte')
  for (const [header, value] of original!.headers)
    assert.equal(dead!.headers.get(header), value, `header ${header} kept`)
  assert.equal(dead!.headers.get('kafkit-dlq-original-topic'), name)
  assert.equal(dead!.headers.get('kafkit-dlq-attempt-count'), '4')
})

test('malformed bytes, an invalid envelope, an invalid payload and an unknown type go to the DLQ at once, with their bytes', async (t) => {
  const { name, Happened, catalog, producer } = setup(t)
  await provision(catalog)
  const malformed = Buffer.from([0xff, 0x00, 0x7b, 0x22])
  const badEnvelope = envelopeRecord(name, 'e1', 'test.happened', '1.0', { entity: 'e1', seq: 1 }, { version: 'one' })
  const badPayload = envelopeRecord(name, 'e2', 'test.happened', '1.0', { entity: 'e2', seq: 'not a number' })
  const unknown = envelopeRecord(name, 'e3', 'test.unheard_of', '1.0', { entity: 'e3' })
  await rawProducer(t).send([{ topic: name, key: 'e0', value: malformed }, badEnvelope, badPayload, unknown])

  let calls = 0
  const consumer = consumerOf(t, { catalog, producer, onUnknownType: 'dlq' })
  consumer.on(Happened, () => void calls++)
  await consumer.start()
  const dead = (await readTopic(t, `${name}.dlq`, 4)).map((r) => failureOf(r))
  const byOffset = new Map(dead.map((d) => [d.original_offset, d]))

  const bytes = byOffset.get('0')!
  assert.equal(bytes.error_code, 'KAFKIT_DECODE_FAILED')
  assert.equal(bytes.value_encoding, 'base64')
  assert.deepEqual(
    Buffer.from(bytes.original_value as string, 'base64'),
    malformed,
    'the original bytes, byte for byte',
  )
  assert.equal(byOffset.get('1')!.error_code, 'KAFKIT_ENVELOPE_INVALID')
  assert.match(byOffset.get('1')!.error_message, /version/)
  assert.deepEqual(byOffset.get('1')!.original_value, JSON.parse(badEnvelope.value.toString()))
  assert.equal(byOffset.get('2')!.error_code, 'KAFKIT_PAYLOAD_INVALID')
  assert.match(byOffset.get('2')!.error_message, /seq/)
  assert.equal(byOffset.get('3')!.error_code, 'KAFKIT_UNKNOWN_EVENT_TYPE')
  for (const d of dead) {
    assert.equal(d.attempt_count, 1, `offset ${d.original_offset} was not retried`)
    assert.equal(d.retryable, false, `offset ${d.original_offset} could never succeed`)
  }
  assert.equal(calls, 0, 'the handler never saw any of them')
})

test('an unknown type is skipped and committed under the "skip" policy', async (t) => {
  const { name, Happened, catalog, producer } = setup(t)
  await provision(catalog)
  await rawProducer(t).send([envelopeRecord(name, 'x', 'test.unheard_of', '1.0', { entity: 'x' })])
  await producer.publish(Happened, { entity: 'y', seq: 1 })
  const seen: string[] = []
  const consumer = consumerOf(t, { catalog, producer, onUnknownType: 'skip', commitInterval: 100 })
  consumer.on(Happened, (event) => void seen.push(event.payload.entity))
  await consumer.start()
  await waitFor(() => seen.length === 1, 'the known event handled')
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  await waitFor(async () => {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [consumer.group] })
    return group?.topics.find((x) => x.name === name)?.partitions[0]?.committedOffset === 2n
  }, 'both offsets committed')
})

test('when the DLQ write fails, the offset is not committed; once the DLQ exists the record lands there', async (t) => {
  const { name, Happened, catalog, producer } = setup(t)
  await provision(catalog, false) // no DLQ topic yet (auto-creation is off)
  const failingProducer = track(
    t,
    new Producer({
      client: { brokers: brokers() },
      service: 'dlq-test',
      logger: silentLogger(),
      deliveryTimeout: 1000,
    }),
  )
  await producer.publish(Happened, { entity: 'poison', seq: 0 })
  const logs = captureLogs()
  const consumer = consumerOf(t, {
    catalog,
    producer: failingProducer,
    retry: { maxAttempts: 1 },
    commitInterval: 100,
    logger: logs.logger,
  })
  let calls = 0
  consumer.on(Happened, () => {
    calls++
    throw new Error('boom')
  })
  await consumer.start()
  await waitFor(() => calls === 1, 'the handler ran')
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const committed = async () => {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [consumer.group] })
    return group?.topics.find((x) => x.name === name)?.partitions[0]?.committedOffset ?? -1n
  }
  // Two failed DLQ writes (1 s deadline each) and several commit ticks later: still nothing committed.
  await waitFor(() => logs.matching('could not write the failed record away').length >= 2, 'two failed DLQ writes', {
    timeoutMs: 20_000,
  })
  assert.ok((await committed()) < 1n, 'nothing committed while the failure is not written away')

  await provision(catalog, true)
  const [dead] = await readTopic(t, `${name}.dlq`, 1)
  assert.equal(failureOf(dead!).original_offset, '0')
  await waitFor(async () => (await committed()) === 1n, 'the offset committed after the DLQ write')
  assert.equal(calls, 1, 'the handler was not run again')
})

test('a failure record the broker refuses as too large for the DLQ topic is written again without the original value and headers, and says so', async (t) => {
  const { name, Happened, catalog, producer } = setup(t)
  await provision(catalog, false)
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  // A DLQ topic whose limit is below the source topic's: the failure record cannot fit as it is.
  await admin.createTopics({
    topics: [`${name}.dlq`],
    partitions: 1,
    replicas: 1,
    configs: [{ name: 'max.message.bytes', value: '2048' }],
  })
  // Random bytes: the producer's compression cannot make the record small enough.
  const pad = randomBytes(2400).toString('base64')
  const big = envelopeRecord(name, 'big', 'test.happened', '1.0', { entity: 'big', seq: 0, pad })
  await rawProducer(t).send([big])
  const consumer = consumerOf(t, { catalog, producer })
  consumer.on(Happened, () => {
    throw new NonRetryableError('refused')
  })
  await consumer.start()
  const [dead] = await readTopic(t, `${name}.dlq`, 1)
  const record = failureOf(dead!)
  assert.equal(record.error_code, 'KAFKIT_NON_RETRYABLE', 'the failure is all there')
  assert.equal(record.value_omitted_reason, 'too-large')
  assert.equal(dead!.headers.get('kafkit-dlq-headers-omitted'), 'too-large')
  assert.equal(dead!.headers.get('kafkit-dlq-value-bytes'), String(big.value.length))
})
