// A broker that goes away and comes back, a group member or fetch stream that fails: the consumer
// reports, restarts with backoff, commits what it finished, and carries on.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { ensureTopics, topicSpecsFor } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions } from '../../src/consumer/index.ts'
import type { FailureScope, MemberEvents, MemberFactory } from '../../src/consumer/member.ts'
import { wireMembers } from '../../src/consumer/wire-member.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { systemClock } from '../../src/util/clock.ts'
import { startIsolatedBroker } from '../support/isolated-broker.ts'
import { brokers, defer, deleteAfter, track, uniqueName, waitFor } from '../support/kafka.ts'
import { captureLogs } from '../support/logs.ts'

test('the consumer survives a broker restart and goes on consuming, without a crash or a hang', async (t) => {
  const broker = await startIsolatedBroker(t)
  const client = { brokers: [broker.bootstrap] }
  const topic = defineTopic({ name: uniqueName('supervised'), key: 'id', partitions: 2 })
  const Ticked = defineEvent({ type: 'clock.ticked', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const catalog = createCatalog([Ticked])
  await ensureTopics(client, topicSpecsFor(catalog, { dlq: false }), { logger: silentLogger() })

  const producer = track(
    t,
    new Producer({ client, service: 'supervision-test', logger: silentLogger(), deliveryTimeout: 60_000 }),
  )
  const logs = captureLogs('warn')
  const handled = new Set<string>()
  const consumer = new Consumer({
    client,
    catalog,
    service: 'supervised',
    group: uniqueName('supervised'),
    logger: logs.logger,
    commitInterval: 100,
  })
  consumer.on(Ticked, (event) => void handled.add(event.payload.id))
  defer(t, () => consumer.close())
  await consumer.start()

  for (let i = 0; i < 10; i++) await producer.publish(Ticked, { id: `before-${i}` })
  await waitFor(() => handled.size === 10, 'the first ten handled')

  await broker.stop()
  await waitFor(() => logs.lines.length > 0, 'the outage reported in the logs', { timeoutMs: 60_000 })
  await broker.start()
  for (let i = 0; i < 10; i++) await producer.publish(Ticked, { id: `after-${i}` })
  await waitFor(() => handled.size === 20, 'the ten published after the restart handled', { timeoutMs: 90_000 })

  assert.ok(consumer.status().runners[0]!.running, 'the consumer is still running')
  const reported = logs.lines.map((l) => String(l['msg']))
  t.diagnostic(`reported: ${[...new Set(reported)].join(' | ')}`)
  assert.ok(
    reported.some((m) => /restarting|commit failed/.test(m)),
    'the outage was reported as such',
  )
})

/**
 * A consumer whose group member can be told that it failed, as the wire client tells it (heartbeats
 * stalled for a session, a failed rejoin, a broken fetch stream); everything else is the real member.
 */
function restartableConsumer(t: TestContext, options: ConsumerOptions) {
  const real = wireMembers(options.client, silentLogger(), systemClock)
  const members: MemberEvents[] = []
  const groupMember: MemberFactory = (o) => {
    const member = real(o)
    const join = member.join.bind(member)
    member.join = (events) => {
      members.push(events)
      return join(events)
    }
    return member
  }
  const consumer = new Consumer({ ...options, groupMember })
  defer(t, () => consumer.close())
  return { consumer, fail: (error: Error, scope: FailureScope) => members.at(-1)!.failed(error, scope), members }
}

for (const [scope, what] of [
  ['member', 'the group member is replaced'],
  ['fetch', 'the fetch stream is restarted'],
] as const) {
  test(`work finished before a restart (${what}) is committed first: none of it is handled again`, async (t) => {
    const topic = defineTopic({ name: uniqueName('restart-commit'), key: 'id', partitions: 2 })
    const Ticked = defineEvent({ type: 'clock.ticked', version: '1.0', topic, schema: z.object({ id: z.string() }) })
    const catalog = createCatalog([Ticked])
    const client = { brokers: brokers() }
    await ensureTopics(client, topicSpecsFor(catalog, { dlq: false }), { logger: silentLogger() })
    deleteAfter(t, () => [topic.name])
    const producer = track(t, new Producer({ client, service: 'restart-commit', logger: silentLogger() }))
    const group = uniqueName('restart-commit')
    const runs = new Map<string, number>()
    const { consumer, fail, members } = restartableConsumer(t, {
      client,
      catalog,
      service: 'restart-commit',
      group,
      logger: silentLogger(),
      // No periodic commit comes between the work and the restart: only the restart's own.
      commitInterval: '1h',
      heartbeatInterval: 500,
      sessionTimeout: 6000,
    })
    consumer.on(Ticked, (event) => void runs.set(event.payload.id, (runs.get(event.payload.id) ?? 0) + 1))
    await consumer.start()

    await producer.publishBatch(
      Array.from({ length: 40 }, (_, i) => ({ event: Ticked, payload: { id: `before-${i}` } })),
    )
    await waitFor(() => runs.size === 40 && consumer.status().runners[0]!.inFlight === 0, 'the first 40 handled')

    fail(new Error('heartbeats stalled'), scope)
    await waitFor(() => consumer.status().runners[0]!.restarts === 1, 'the restart')
    // The restarted member fetches from the committed offsets: records published now show that it runs.
    await producer.publishBatch(
      Array.from({ length: 10 }, (_, i) => ({ event: Ticked, payload: { id: `after-${i}` } })),
    )
    await waitFor(() => runs.size === 50, 'the ten published after the restart handled', { timeoutMs: 60_000 })
    assert.equal(members.length, scope === 'member' ? 2 : 1, `${what}`)

    const again = [...runs].filter(([, n]) => n > 1).map(([id]) => id)
    assert.deepEqual(again, [], 'records finished before the restart handled again after it')
  })
}
