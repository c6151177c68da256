// Topic provisioning against the real broker: create what is missing (topics, DLQs, retry tiers)
// with partitions and configs, idempotently and concurrently, wait for leaders, report mismatches.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Admin, ConfigResourceTypes } from '@platformatic/kafka'
import { z } from 'zod'
import { ensureTopics, retryTopicSpecs, topicSpecsFor, type TopicSpec } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { ErrorCodes, type KafkitError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, testAdmin, uniqueName } from '../support/kafka.ts'
import { recordingLogger } from '../producer/support.ts'

const client = () => ({ brokers: brokers() })

/** Deletes the named topics when the test ends. */
function cleanup(t: TestContext, specs: readonly TopicSpec[]): void {
  t.after(async () => {
    const admin = new Admin({ clientId: uniqueName('cleanup'), bootstrapBrokers: brokers() })
    await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined)
    await admin.close().catch(() => undefined)
  })
}

async function topicConfig(admin: Admin, name: string): Promise<Map<string, string | null | undefined>> {
  const [description] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: name }],
  })
  return new Map(description!.configs.map((c) => [c.name, c.value]))
}

function testCatalog(prefix: string) {
  const orders = defineTopic({
    name: uniqueName(`${prefix}-orders`),
    key: 'order_id',
    partitions: 4,
    retention: '3d',
    config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '1' },
  })
  const audit = defineTopic({ name: uniqueName(`${prefix}-audit`), partitions: 2, dlq: '{topic}.dead' })
  const schema = z.object({ order_id: z.string() })
  return createCatalog([
    defineEvent({ type: 'order.placed', version: '1.0', topic: orders, schema }),
    defineEvent({ type: 'order.shipped', version: '1.0', topic: orders, schema }),
    defineEvent({ type: 'audit.logged', version: '1.0', topic: audit, schema: z.object({}) }),
  ])
}

test('topicSpecsFor lists each topic once, with its DLQ, retention and configs', () => {
  const catalog = testCatalog('specs')
  const [orders, audit] = catalog.topics()
  const specs = topicSpecsFor(catalog)
  assert.deepEqual(
    specs.map((s) => s.name),
    [orders!.name, `${orders!.name}.dlq`, audit!.name, `${audit!.name}.dead`],
  )
  assert.deepEqual(specs[0], {
    name: orders!.name,
    partitions: 4,
    replicationFactor: undefined,
    configs: { 'retention.ms': String(3 * 86_400_000), 'cleanup.policy': 'compact', 'min.insync.replicas': '1' },
  })
  // The DLQ: same partitions, never compacted (it would keep one failure per key).
  assert.equal(specs[1]!.partitions, 4)
  assert.equal(specs[1]!.configs['cleanup.policy'], 'delete')
  assert.equal(specs[1]!.configs['min.insync.replicas'], '1')
  assert.deepEqual(
    topicSpecsFor([orders!, orders!], { dlq: false }).map((s) => s.name),
    [orders!.name],
  )
  assert.deepEqual(
    retryTopicSpecs(orders!, 'billing', [30_000, '5m']).map((s) => [s.name, s.partitions]),
    [
      [`${orders!.name}.retry.billing.30s`, 4],
      [`${orders!.name}.retry.billing.5m`, 4],
    ],
  )
})

test('ensureTopics creates the catalog topics and DLQs, ready to write, idempotently', async (t) => {
  const catalog = testCatalog('ensure')
  const specs = topicSpecsFor(catalog)
  cleanup(t, specs)
  const names = specs.map((s) => s.name)

  // Two services starting at once: both succeed, each topic is created once.
  const [a, b] = await Promise.all([
    ensureTopics(client(), specs, { logger: silentLogger() }),
    ensureTopics(client(), specs, { logger: silentLogger() }),
  ])
  assert.deepEqual([...a.created, ...b.created].sort(), [...names].sort(), 'each topic created by exactly one')
  assert.deepEqual([...a.existing, ...b.existing].sort(), [...names].sort())
  assert.deepEqual(a.mismatched, [])

  // Leaders exist as soon as ensureTopics returns.
  const admin = testAdmin(t)
  const metadata = await admin.metadata({ topics: [...names], forceUpdate: true })
  for (const spec of specs) {
    const topic = metadata.topics.get(spec.name)
    assert.equal(topic?.partitionsCount, spec.partitions, `${spec.name} partitions`)
    assert.ok(
      topic.partitions.every((p) => p.leader >= 0),
      `${spec.name} leaders`,
    )
  }
  const orders = catalog.topics()[0]!
  const config = await topicConfig(admin, orders.name)
  assert.equal(config.get('retention.ms'), String(3 * 86_400_000))
  assert.equal(config.get('cleanup.policy'), 'compact')
  const dlqConfig = await topicConfig(admin, `${orders.name}.dlq`)
  assert.equal(dlqConfig.get('cleanup.policy'), 'delete')
  assert.equal(dlqConfig.get('retention.ms'), String(3 * 86_400_000))

  const again = await ensureTopics(client(), specs, { logger: silentLogger() })
  assert.deepEqual(again, { created: [], existing: names, mismatched: [] })
})

test('a partition mismatch is reported with a warning, or thrown on request', async (t) => {
  const name = await createTopic(t, 'ensure-mismatch', { partitions: 2 })
  const spec = { name, partitions: 4, configs: {} }
  const logger = recordingLogger()
  const report = await ensureTopics(client(), [spec], { logger })
  assert.deepEqual(report, {
    created: [],
    existing: [name],
    mismatched: [{ name, expectedPartitions: 4, actualPartitions: 2 }],
  })
  assert.ok(logger.lines.some((l) => l.level === 'warn' && /has 2 partitions, not 4/.test(l.msg ?? '')))
  await assert.rejects(
    ensureTopics(client(), [spec], { onMismatch: 'error', logger: silentLogger() }),
    (err: KafkitError) => err.code === ErrorCodes.TOPIC_MISMATCH && /has 2 partitions, not 4/.test(err.message),
  )
})

test('retry-tier topics of a group are provisioned like the others', async (t) => {
  const topic = defineTopic({ name: uniqueName('ensure-retry'), partitions: 3 })
  const specs = retryTopicSpecs(topic, 'billing', ['1s', '1m'])
  cleanup(t, specs)
  const report = await ensureTopics(client(), specs, { logger: silentLogger() })
  assert.deepEqual(report.created, [`${topic.name}.retry.billing.1s`, `${topic.name}.retry.billing.1m`])
})

test('a topic the broker refuses fails with KAFKIT_TOPIC_PROVISION_FAILED', async () => {
  // One broker cannot hold three replicas.
  const spec = { name: uniqueName('ensure-refused'), partitions: 1, replicationFactor: 3, configs: {} }
  await assert.rejects(
    ensureTopics(client(), [spec], { logger: silentLogger() }),
    (err: KafkitError) =>
      err.code === ErrorCodes.TOPIC_PROVISION_FAILED && !err.retryable && err.message.includes(spec.name),
  )
})
