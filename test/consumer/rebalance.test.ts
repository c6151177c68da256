// Group membership changing under load: a third member joins, then one leaves.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { Consumer } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, createTopic, uniqueName, waitFor, defer } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

const EVENTS = 6000
const KEYS = 200

test('members join and leave during load: nothing lost, and no event runs before its key predecessors', async (t) => {
  const topicName = await createTopic(t, 'rebalance', { partitions: 6 })
  const { Happened, catalog } = happenedEvent(topicName)
  const group = uniqueName('rebalance-group')
  await rawProducer(t).send(
    Array.from({ length: EVENTS }, (_, i) => {
      const entity = `k${i % KEYS}`
      return envelopeRecord(topicName, entity, 'test.happened', '1.0', { entity, seq: Math.floor(i / KEYS) })
    }),
  )

  // For each key, the highest seq below which every seq has been handled at least once.
  const contiguous = new Map<string, number>()
  const seen = new Map<string, Set<number>>()
  const violations: string[] = []
  let handled = 0
  const member = (name: string) => {
    const consumer = new Consumer({
      client: { brokers: brokers() },
      catalog,
      service: 'rebalance-svc',
      group,
      logger: silentLogger(),
      concurrency: 8,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      commitInterval: 200,
    })
    consumer.on(Happened, async (event) => {
      const { entity, seq } = event.payload
      const done = contiguous.get(entity) ?? -1
      if (seq > done + 1) violations.push(`${name}: ${entity} seq ${seq} started before seq ${done + 1} was handled`)
      await sleep(1 + Math.random() * 3)
      const ofKey = seen.get(entity) ?? new Set<number>()
      ofKey.add(seq)
      seen.set(entity, ofKey)
      let next = done
      while (ofKey.has(next + 1)) next++
      contiguous.set(entity, next)
      handled++
    })
    defer(t, () => consumer.stop())
    return consumer
  }

  const a = member('a')
  const b = member('b')
  await Promise.all([a.start(), b.start()])
  await waitFor(() => handled >= EVENTS / 4, 'a quarter handled', { timeoutMs: 60_000 })
  const c = member('c')
  await c.start()
  await waitFor(() => handled >= EVENTS / 2, 'half handled', { timeoutMs: 60_000 })
  await a.stop()
  await waitFor(() => [...seen.values()].reduce((n, s) => n + s.size, 0) >= EVENTS, 'every event handled', {
    timeoutMs: 90_000,
  })

  assert.deepEqual(violations, [])
  for (let k = 0; k < KEYS; k++) assert.equal(contiguous.get(`k${k}`), EVENTS / KEYS - 1, `key k${k} complete`)
  t.diagnostic(`${handled} handler runs for ${EVENTS} events (${handled - EVENTS} re-deliveries)`)
})
