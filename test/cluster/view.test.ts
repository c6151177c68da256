// kafkit's cluster view against the real broker: what it learns, and that an old view refreshes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UnknownTopicError, ClusterView } from '../../src/cluster/view.ts'
import { brokers, createTopic, testAdmin, uniqueName, waitFor } from '../support/kafka.ts'

test('the view learns partitions and leaders, names unknown topics, and refreshes when old', async (t) => {
  const topic = await createTopic(t, 'view', { partitions: 2 })
  const view = new ClusterView({ client: { brokers: brokers() }, clientId: uniqueName('view'), requestTimeoutMs: 5000 })
  t.after(() => view.close())
  await view.refresh([topic])
  assert.equal(view.topic(topic)?.partitionsCount, 2)
  assert.ok(view.leader(topic, 0) !== undefined && view.broker(view.leader(topic, 0)!) !== undefined)
  assert.ok(view.brokerCount >= 1)

  const missing = uniqueName('no-such-topic')
  await assert.rejects(view.refresh([missing]), (e: unknown) => e instanceof UnknownTopicError && e.topic === missing)
  assert.equal(view.topic(topic)?.partitionsCount, 2, 'the known topics survive a refresh that failed')

  await testAdmin(t).createPartitions({ topics: [{ name: topic, count: 3 }] })
  view.freshen(60_000)
  assert.equal(view.topic(topic)?.partitionsCount, 2, 'a view younger than the bound is kept')
  await waitFor(() => {
    view.freshen(0)
    return view.topic(topic)?.partitionsCount === 3
  }, 'the view to see the added partition')
})
