// docs/consumer.md#failure-handling and docs/errors.md: what a handler's error decides. An error that
// says `retryable: false` (kafkit's or not) goes to the DLQ after one attempt, recorded as
// KAFKIT_HANDLER_FAILED with its class and message and `retryable: false`; a known type without a
// handler is skipped and committed by default; misuse is KAFKIT_CONSUMER_STATE. On the in-memory Kafka.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { ErrorCodes, KafkitError, NonRetryableError } from '../../src/errors.ts'
import { createTestKafkit } from '../../src/testing/index.ts'
import { happenedEvent } from './fixtures/happened.ts'

class CardDeclined extends Error {
  readonly retryable = false
}

for (const [what, make] of [
  ['an error of its own with retryable: false', () => new CardDeclined('card declined')],
  ['a NonRetryableError', () => new NonRetryableError('card declined')],
] as const) {
  test(`${what}: one attempt, then the DLQ, recorded as not retryable`, async () => {
    const { Happened, catalog } = happenedEvent(`handler-errors-${what.length}.v1`, 1)
    const kit = createTestKafkit({ catalog })
    const attempts: number[] = []
    const consumer = kit.consumer({ group: 'g', retry: { maxAttempts: 5, initialBackoff: 10 } })
    consumer.on(Happened, (_event, ctx) => {
      attempts.push(ctx.attempt)
      throw make()
    })
    await consumer.start()
    await kit.publish(Happened, { entity: 'e', seq: 0 })
    await kit.waitFor(() => kit.deadLetters(Happened).length === 1)
    await kit.waitFor(() => kit.broker.committed('g', Happened.topic.name, 0) === 1n)
    const [dead] = kit.deadLetters(Happened)
    assert.deepEqual(attempts, [1], 'never retried')
    assert.equal(dead!.record?.retryable, false)
    assert.equal(dead!.record?.attempt_count, 1)
    assert.equal(dead!.record?.error_message, 'card declined')
    if (make() instanceof NonRetryableError) {
      assert.equal(dead!.record?.error_code, ErrorCodes.NON_RETRYABLE)
    } else {
      assert.equal(dead!.record?.error_code, ErrorCodes.HANDLER_FAILED, "a handler's own error has this code")
      assert.equal(dead!.record?.error_type, 'CardDeclined', 'and keeps its class name')
    }
    await kit.close()
  })
}

test('a known type with no handler here is skipped and committed by default, never dead-lettered', async () => {
  const topic = defineTopic({ name: 'handler-errors-unhandled.v1', key: 'id', partitions: 1 })
  const schema = z.object({ id: z.string() })
  const Handled = defineEvent({ type: 'thing.handled', version: '1.0', topic, schema })
  const Unhandled = defineEvent({ type: 'thing.unhandled', version: '1.0', topic, schema })
  const kit = createTestKafkit({ catalog: createCatalog([Handled, Unhandled]) })
  const seen: string[] = []
  await kit
    .consumer({ group: 'g' })
    .on(Handled, (event) => void seen.push(event.payload.id))
    .start()
  await kit.publish(Unhandled, { id: 'u' })
  await kit.publish(Handled, { id: 'h' })
  await kit.waitFor(() => kit.broker.committed('g', topic.name, 0) === 2n)
  assert.deepEqual(seen, ['h'])
  assert.equal(kit.deadLetters(topic.name).length, 0)
  await kit.close()
})

test('misuse is KAFKIT_CONSUMER_STATE: on() after start(), start() with nothing to consume, start() twice', async () => {
  const { Happened, catalog } = happenedEvent('handler-errors-state.v1', 1)
  const kit = createTestKafkit({ catalog })
  const state = (e: unknown) => KafkitError.is(e) && e.code === ErrorCodes.CONSUMER_STATE
  await assert.rejects(
    kit.consumer({ group: 'empty' }).start(),
    (e) => state(e) && /nothing to consume/.test(String(e)),
  )
  const consumer = kit.consumer({ group: 'g' }).on(Happened, () => undefined)
  await consumer.start()
  assert.throws(() => consumer.on(Happened, () => undefined), state)
  await assert.rejects(consumer.start(), state)
  await kit.close()
})
