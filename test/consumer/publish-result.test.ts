// What ctx.publish resolves with, against the broker: the delivery result where the event is written
// at once (a handler, a batch handler), the staged event in a transactional consumer, whose record
// gets its offset only when the transaction commits. test/consumer/types.test.ts pins the types.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions, type HandlerPublishResult } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { readCommitted } from '../support/committed.ts'
import { brokers, createTopic, defer, track, uniqueName, waitFor } from '../support/kafka.ts'
import { happenedEvent } from './fixtures/happened.ts'

async function setup(t: TestContext) {
  const input = await createTopic(t, 'pubres-in', { partitions: 1 })
  const output = await createTopic(t, 'pubres-out', { partitions: 1 })
  const { Happened } = happenedEvent(input, 1)
  const Echoed = defineEvent({
    type: 'test.echoed',
    version: '1.0',
    topic: defineTopic({ name: output, key: 'entity', partitions: 1 }),
    schema: z.object({ entity: z.string(), seq: z.number() }),
  })
  const catalog = createCatalog([Happened, Echoed])
  const producer = track(t, new Producer({ client: { brokers: brokers() }, service: 'pubres', logger: silentLogger() }))
  const consumerOf = (options: Partial<ConsumerOptions> = {}) => {
    const consumer = new Consumer({
      client: { brokers: brokers() },
      catalog,
      service: 'pubres-svc',
      group: uniqueName('pubres'),
      logger: silentLogger(),
      producer,
      commitInterval: 100,
      lagInterval: false,
      ...options,
    })
    defer(t, () => consumer.close())
    return consumer
  }
  return { output, Happened, Echoed, producer, consumerOf }
}

test('a handler’s ctx.publish resolves with the delivery result: where the event was written', async (t) => {
  const { output, Happened, Echoed, producer, consumerOf } = await setup(t)
  const consumer = consumerOf()
  const results: HandlerPublishResult[] = []
  consumer.on(Happened, async (event, ctx) => {
    results.push(await ctx.publish(Echoed, event.payload))
  })
  await consumer.start()
  await producer.publish(Happened, { entity: 'e1', seq: 1 })
  await waitFor(() => results.length === 1, 'the handler published')
  const result = results[0]!
  assert.equal(result.status, 'published')
  assert.ok(result.status === 'published')
  assert.equal(result.topic, output)
  assert.equal(result.key, 'e1')
  // The record is where the result says.
  const [written] = await readCommitted(t, output, { isolation: 'read_uncommitted' })
  assert.equal(written!.offset, result.offset)
  assert.equal(written!.partition, result.partition)
  assert.equal((JSON.parse(written!.value.toString()) as { id: string }).id, result.eventId)
})

test('a batch handler’s ctx.publish resolves with the delivery result too', async (t) => {
  const { output, Happened, Echoed, producer, consumerOf } = await setup(t)
  const consumer = consumerOf()
  const results: HandlerPublishResult[] = []
  consumer.onBatch(
    Happened,
    async (events, ctx) => {
      for (const event of events) results.push(await ctx.publish(Echoed, event.payload))
    },
    { maxSize: 10, maxWait: 50 },
  )
  await consumer.start()
  await producer.publish(Happened, { entity: 'e2', seq: 1 })
  await waitFor(() => results.length === 1, 'the batch handler published')
  const result = results[0]!
  assert.ok(result.status === 'published', `status ${result.status}`)
  const [written] = await readCommitted(t, output, { isolation: 'read_uncommitted' })
  assert.equal(written!.offset, result.offset)
  const envelope = JSON.parse(written!.value.toString()) as { id: string; causation_id?: string }
  assert.equal(envelope.id, result.eventId)
  // A batch has many inputs: its publishes name no cause unless the handler gives one.
  assert.equal(envelope.causation_id, undefined)
})

test('a batch handler’s ctx.publish names the event it comes from: causation and correlation ids', async (t) => {
  const { output, Happened, Echoed, producer, consumerOf } = await setup(t)
  const consumer = consumerOf()
  const inputs: { id: string; correlation_id: string }[] = []
  consumer.onBatch(
    Happened,
    async (events, ctx) => {
      for (const event of events) {
        await ctx.publish(Echoed, event.payload, { causedBy: event })
        inputs.push(event)
      }
    },
    { maxSize: 10, maxWait: 50 },
  )
  await consumer.start()
  const sent = await producer.publish(Happened, { entity: 'e4', seq: 1 })
  await waitFor(() => inputs.length === 1, 'the batch handler published')
  const [written] = await readCommitted(t, output, { isolation: 'read_uncommitted' })
  const envelope = JSON.parse(written!.value.toString()) as { causation_id?: string; correlation_id?: string }
  assert.equal(inputs[0]!.id, sent.eventId)
  assert.equal(envelope.causation_id, sent.eventId)
  assert.equal(envelope.correlation_id, inputs[0]!.correlation_id)
  assert.notEqual(envelope.correlation_id, undefined)
})

test('in a transactional consumer, ctx.publish resolves with the staged event, written when its record commits', async (t) => {
  const { output, Happened, Echoed, producer, consumerOf } = await setup(t)
  const consumer = consumerOf({ transactional: { id: uniqueName('pubres-tx') } })
  const results: HandlerPublishResult[] = []
  consumer.on(Happened, async (event, ctx) => {
    results.push(await ctx.publish(Echoed, event.payload))
  })
  await consumer.start()
  await producer.publish(Happened, { entity: 'e3', seq: 1 })
  await waitFor(() => results.length === 1, 'the handler staged its event')
  const result = results[0]!
  assert.deepEqual(
    { ...result, eventId: typeof result.eventId },
    { status: 'staged', staged: true, topic: output, key: 'e3', eventId: 'string' },
  )
  // No offset: it is not known when the handler runs. The event is written once the transaction
  // commits, with the id the handler was given.
  assert.equal('offset' in result, false)
  let written: Awaited<ReturnType<typeof readCommitted>> = []
  await waitFor(async () => (written = await readCommitted(t, output)).length === 1, 'the staged event committed')
  assert.equal((JSON.parse(written[0]!.value.toString()) as { id: string }).id, result.eventId)
})
