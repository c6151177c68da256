// Fetch fairness: a backlog on every partition is drained evenly, also when the broker keeps no
// fetch session for the consumer (then the client's order of partitions decides who gets data).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Admin, ProduceAcks, Producer as WireProducer } from '@platformatic/kafka'
import { Consumer } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { fillFetchSessionCache } from '../support/fetch-sessions.ts'
import { startIsolatedBroker } from '../support/isolated-broker.ts'
import { defer, track, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

const PARTITIONS = 6
const PER_PARTITION = 3000

test('a backlog on 6 partitions is drained evenly, even when the broker keeps no fetch session', async (t) => {
  const broker = await startIsolatedBroker(t)
  const client = { brokers: [broker.bootstrap] }
  const name = uniqueName('fair')
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: client.brokers }))
  await admin.createTopics({ topics: [name, `${name}-sessions`], partitions: PARTITIONS, replicas: 1 })
  await waitFor(async () => {
    const md = await admin.metadata({ topics: [name, `${name}-sessions`], forceUpdate: true })
    return [...md.topics.values()].every((topic) => topic.partitions.every((p) => p.leader >= 0))
  }, 'leaders')

  const producer = track(
    t,
    new WireProducer({ clientId: uniqueName('fair'), bootstrapBrokers: client.brokers, acks: ProduceAcks.ALL }),
  )
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let seq = 0; seq < PER_PARTITION; seq += 50) {
      await producer.send({
        messages: Array.from({ length: 50 }, (_, i) => {
          const entity = `p${partition}-k${(seq + i) % 40}`
          const record = envelopeRecord(name, entity, 'test.happened', '1.0', {
            entity,
            seq: seq + i,
            pad: 'x'.repeat(900),
          })
          return { topic: name, partition, key: Buffer.from(entity), value: Buffer.from(record.value) }
        }),
      })
    }
  }
  const sessions = await fillFetchSessionCache(broker.bootstrap, `${name}-sessions`)
  t.diagnostic(`fetch sessions made to fill the broker's cache: ${sessions}`)

  const { Happened, catalog } = happenedEvent(name)
  const progress = Array.from({ length: PARTITIONS }, () => 0)
  const snapshots: number[][] = []
  let handled = 0
  const consumer = new Consumer({
    client,
    catalog,
    service: 'fair-svc',
    group: uniqueName('fair'),
    logger: silentLogger(),
  })
  consumer.on(Happened, (_event, ctx) => {
    progress[ctx.partition]!++
    if (++handled % 1000 === 0) snapshots.push([...progress])
  })
  defer(t, () => consumer.stop())
  await consumer.start()
  await waitFor(() => handled >= (PARTITIONS * PER_PARTITION) / 3, 'a third of the backlog handled', {
    timeoutMs: 90_000,
  })

  // The spread of per-partition progress: (most - least) / mean, at every 1,000 records handled.
  const spreadOf = (counts: number[]) => {
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length
    return (Math.max(...counts) - Math.min(...counts)) / mean
  }
  for (const counts of snapshots)
    t.diagnostic(
      `${counts.reduce((a, b) => a + b, 0)} handled: ${counts.join(' ')} (spread ${spreadOf(counts).toFixed(2)})`,
    )
  const last = snapshots.at(-1)!
  assert.ok(
    last.every((count) => count > 0),
    `every partition made progress: ${last.join(' ')}`,
  )
  assert.ok(spreadOf(last) < 0.5, `per-partition progress within 50 % of the mean: ${last.join(' ')}`)
})
