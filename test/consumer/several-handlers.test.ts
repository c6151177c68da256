// docs/consumer.md#registering: several handlers may match one event; all run, in registration
// order; on retry only the failed ones run again; the event is done when every one succeeded. On the
// in-memory Kafka.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NonRetryableError } from '../../src/errors.ts'
import { createTestKafkit } from '../../src/testing/index.ts'
import { happenedEvent } from './fixtures/happened.ts'

test('an exact handler and a wildcard one: both run in order; a retry runs only the one that failed', async () => {
  const { Happened, catalog } = happenedEvent('several-handlers-retry.v1', 1)
  const kit = createTestKafkit({ catalog })
  const calls: string[] = []
  const consumer = kit.consumer({ group: 'g', retry: { maxAttempts: 3, initialBackoff: 10 } })
  consumer.on(Happened, (_event, ctx) => {
    calls.push(`exact ${ctx.attempt}`)
    if (ctx.attempt === 1) throw new Error('transient')
  })
  consumer.on('*', (_event, ctx) => void calls.push(`audit ${ctx.attempt}`))
  consumer.on('test.*', (_event, ctx) => void calls.push(`pattern ${ctx.attempt}`))
  await consumer.start()
  await kit.publish(Happened, { entity: 'e', seq: 0 })
  await kit.waitFor(() => kit.broker.committed('g', Happened.topic.name, 0) === 1n)
  assert.deepEqual(calls, ['exact 1', 'audit 1', 'pattern 1', 'exact 2'])
  assert.equal(kit.deadLetters(Happened).length, 0)
  await kit.close()
})

test('one of two handlers gives up: the event goes to the DLQ naming that handler; the other ran once', async () => {
  const { Happened, catalog } = happenedEvent('several-handlers-dlq.v1', 1)
  const kit = createTestKafkit({ catalog })
  const calls: string[] = []
  const consumer = kit.consumer({ group: 'g', retry: { maxAttempts: 3, initialBackoff: 10 } })
  consumer.on('*', () => void calls.push('audit'), { name: 'audit' })
  consumer.on(
    Happened,
    () => {
      calls.push('charge')
      throw new NonRetryableError('declined')
    },
    { name: 'charge' },
  )
  await consumer.start()
  await kit.publish(Happened, { entity: 'e', seq: 0 })
  await kit.waitFor(() => kit.deadLetters(Happened).length === 1)
  assert.deepEqual(calls, ['audit', 'charge'])
  assert.equal(kit.deadLetters(Happened)[0]!.record?.handler, 'charge')
  await kit.close()
})
