// Retry topics: delay tiers scoped to one consumer group, then the DLQ.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Consumer, tierTopicName } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import type { Duration } from '../../src/util/duration.ts'
import { Producer } from '../../src/producer/index.ts'
import { failureOf } from '../support/dlq.ts'
import { brokers, deleteAfter, readTopic, track, uniqueName, waitFor, defer } from '../support/kafka.ts'
import { captureLogs } from '../support/logs.ts'

async function setup(t: TestContext, tiers: Duration[]) {
  const name = uniqueName('tiers')
  const topic = defineTopic({ name, key: 'entity', partitions: 2 })
  const Happened = defineEvent({
    type: 'test.happened',
    version: '1.0',
    topic,
    schema: z.object({ entity: z.string() }),
  })
  const catalog = createCatalog([Happened])
  const groupA = uniqueName('tiers-a')
  deleteAfter(t, () => [
    name,
    `${name}.dlq`,
    ...tiers.map((d) => tierTopicName(topic, groupA, d === '1s' ? 1000 : 2000)),
  ])
  await ensureTopics({ brokers: brokers() }, topicSpecsFor(catalog), { logger: silentLogger() })
  const producer = track(
    t,
    new Producer({ client: { brokers: brokers() }, service: 'tiers-test', logger: silentLogger() }),
  )
  const logs = captureLogs('info')
  const consumer = (group: string, retryTopics: Duration[]) => {
    const c = new Consumer({
      client: { brokers: brokers() },
      catalog,
      service: 'tiers-svc',
      group,
      producer,
      logger: logs.logger,
      retryTopics,
      retry: { maxAttempts: 1 },
    })
    defer(t, () => c.stop())
    return c
  }
  /** Waits, and on failure shows what the consumers logged (timing problems are otherwise invisible). */
  const waitOrExplain = async (what: () => Promise<unknown>) => {
    try {
      return await what()
    } catch (error) {
      t.diagnostic(logs.raw.slice(-40).join('\n'))
      throw error
    }
  }
  return { name, topic, Happened, producer, groupA, consumer, waitOrExplain }
}

test('a record failing with a 2 s tier is retried no earlier than 2 s later, by its group only', async (t) => {
  const { name, topic, Happened, producer, groupA, consumer, waitOrExplain } = await setup(t, ['2s'])
  const attempts: { at: number; attempt: number; topic: string; offset: bigint }[] = []
  const a = consumer(groupA, ['2s'])
  a.on(Happened, (_event, ctx) => {
    attempts.push({ at: Date.now(), attempt: ctx.attempt, topic: ctx.topic, offset: ctx.offset })
    if (ctx.attempt === 1) throw new Error('not yet')
  })
  const seenByB: string[] = []
  const b = consumer(uniqueName('tiers-b'), [])
  b.on(Happened, (event) => void seenByB.push(event.id))
  await Promise.all([a.start(), b.start()])

  const published = await producer.publish(Happened, { entity: 'e1' })
  await waitOrExplain(() =>
    waitFor(
      () => attempts.length === 2 && seenByB.length === 1,
      'the retry in group A and the one delivery in group B',
      {
        timeoutMs: 30_000,
      },
    ),
  )
  const [first, retry] = attempts as [(typeof attempts)[0], (typeof attempts)[0]]
  assert.ok(retry.at - first.at >= 2000, `retried after ${retry.at - first.at} ms, before the 2 s tier was due`)
  assert.equal(retry.attempt, 2)
  assert.equal(retry.topic, name, 'the handler sees the topic the record first came from')
  assert.equal(retry.offset, published.offset, 'and its original offset')
  assert.equal(seenByB.length, 1, 'group B saw the event once and never its retry')
  const tierTopic = tierTopicName(topic, groupA, 2000)
  assert.ok(tierTopic.includes(groupA), 'the tier topic is named after the group that failed')
  assert.ok(
    !b.status().runners.some((r) => r.assigned.some((tp) => tp.topic === tierTopic)),
    'group B is not subscribed to it',
  )
})

test('a record failing every tier ends in the DLQ with every attempt counted', async (t) => {
  const { name, Happened, producer, groupA, consumer, waitOrExplain } = await setup(t, ['1s', '2s'])
  const attempts: number[] = []
  const a = consumer(groupA, ['1s', '2s'])
  a.on(Happened, (_event, ctx) => {
    attempts.push(ctx.attempt)
    throw new Error(`still failing (attempt ${ctx.attempt})`)
  })
  await a.start()
  await producer.publish(Happened, { entity: 'e2' })
  const [dead] = (await waitOrExplain(() => readTopic(t, `${name}.dlq`, 1, 30_000))) as Awaited<
    ReturnType<typeof readTopic>
  >
  const record = failureOf(dead!)
  assert.deepEqual(attempts, [1, 2, 3])
  assert.equal(record.attempt_count, 3)
  assert.equal(record.original_topic, name, 'the DLQ names the source topic, not the last tier')
  assert.equal(record.error_message, 'still failing (attempt 3)')
  assert.equal(record.consumer_group, groupA)
  // Through two tiers and into the DLQ, the record stays the original: its value and headers.
  const [original] = await readTopic(t, name, 1)
  assert.deepEqual(dead!.value, original!.value)
  const ownHeaders = [...dead!.headers].filter(([header]) => !header.startsWith('kafkit-dlq-'))
  assert.deepEqual(ownHeaders, [...original!.headers], 'the original headers, without the retry bookkeeping')
})
