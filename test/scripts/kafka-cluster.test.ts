// Cluster mode: three brokers, replication 3, min ISR 2; one broker is killed and restarted.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Admin, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka'
import { controlBroker, ensureKafka, stopKafka } from '../../scripts/kafka/index.ts'
import { uniqueName, waitFor } from '../support/kafka.ts'

const external = process.env['KAFKIT_TEST_BACKEND'] === 'external'

test(
  'a 3-broker cluster survives the loss and return of one broker',
  { skip: external && 'KAFKA_BROKERS points at an external cluster' },
  async (t) => {
    const saved = process.env['KAFKA_BROKERS']
    delete process.env['KAFKA_BROKERS']
    const cluster = await ensureKafka({ mode: 'cluster' }).finally(() => {
      process.env['KAFKA_BROKERS'] = saved
    })
    t.after(async () => {
      if (cluster.started) await stopKafka({ mode: 'cluster' })
    })
    const bootstrapBrokers = cluster.bootstrap.split(',')
    const admin = new Admin({ clientId: uniqueName('cluster-admin'), bootstrapBrokers })
    const producer = new Producer({
      clientId: uniqueName('cluster-producer'),
      bootstrapBrokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
      retries: 20,
      retryDelay: 250,
    })
    t.after(() => Promise.allSettled([admin.close(), producer.close(true)]))

    const topic = uniqueName('cluster')
    await admin.createTopics({
      topics: [topic],
      partitions: 3,
      replicas: 3,
      configs: [{ name: 'min.insync.replicas', value: '2' }],
    })
    const topicReady = async (isr: number) => {
      const md = await admin.metadata({ topics: [topic], forceUpdate: true })
      const partitions = md.topics.get(topic)?.partitions ?? []
      return partitions.length === 3 && partitions.every((p) => p.leader >= 0 && p.isr.length >= isr)
    }
    await waitFor(() => topicReady(3), 'three in-sync replicas')

    await controlBroker('cluster', 2, 'kill')
    await waitFor(
      async () => (await admin.metadata({ topics: [topic], forceUpdate: true })).brokers.size === 2,
      'broker 2 to leave',
      { timeoutMs: 60_000 },
    )
    await waitFor(() => topicReady(2), 'leaders on the two remaining brokers', { timeoutMs: 60_000 })
    // acks=all with min ISR 2 still succeeds with one broker down.
    const sent = await producer.send({
      messages: [0, 1, 2].map((partition) => ({ topic, partition, key: 'k', value: 'v' })),
    })
    assert.equal(sent.offsets?.length, 3)

    await controlBroker('cluster', 2, 'start')
    await waitFor(
      async () => (await admin.metadata({ topics: [topic], forceUpdate: true })).brokers.size === 3,
      'broker 2 to return',
      { timeoutMs: 90_000 },
    )
    await waitFor(() => topicReady(3), 'broker 2 back in sync', { timeoutMs: 90_000 })
    await admin.deleteTopics({ topics: [topic] })
  },
)
