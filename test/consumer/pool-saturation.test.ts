// The key-ordered pool can keep its workers busy only with records of as many different keys as it
// has workers. With as many keys as workers, records in random key order, holding only as many
// records as workers leaves a third of them idle (about 63 % of the keys are among any 1,000
// records of 1,000 keys): the default bound on records held has to grow with the concurrency.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Consumer } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { ManualClock, settle } from '../support/clock.ts'
import { happenedRecord, scriptedMembers } from '../support/scripted-member.ts'
import { happenedEvent } from './fixtures/happened.ts'

const TOPIC = 'saturation.v1'

/** A fixed pseudo-random sequence (xorshift32): the same keys every run. */
function keyOrder(records: number, keys: number): number[] {
  let x = 2463534242
  return Array.from({ length: records }, () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % keys
  })
}

for (const concurrency of [100, 1000]) {
  test(`with as many keys as workers (${concurrency}) in random order, the default bound keeps at least 95 % of the workers busy`, async (t) => {
    const clock = new ManualClock()
    const members = scriptedMembers()
    const { Happened, catalog } = happenedEvent(TOPIC, 1)
    const consumer = new Consumer({
      client: { brokers: ['127.0.0.1:1'] },
      catalog,
      service: 'saturation',
      group: 'g',
      logger: silentLogger(),
      clock,
      groupMember: members.factory,
      provisionRetryTopics: false,
      telemetry: false,
      lagInterval: false,
      concurrency,
    })
    const release: (() => void)[] = []
    let running = 0
    consumer.on(Happened, async () => {
      running++
      await new Promise<void>((resolve) => release.push(resolve))
      running--
    })
    t.after(async () => {
      for (const resolve of release.splice(0)) resolve()
      const stopping = consumer.stop()
      await clock.advance(120_000)
      await stopping
    })
    await consumer.start()
    const member = members.of('g')!
    member.assign([{ topic: TOPIC, partition: 0 }])
    const order = keyOrder(concurrency * 10, concurrency)
    member.deliver(...order.map((k, i) => happenedRecord(TOPIC, 0, BigInt(i), `k${k}`)))
    await settle()
    assert.ok(
      running >= concurrency * 0.95,
      `${running} of ${concurrency} workers busy with ${new Set(order).size} keys in the backlog`,
    )
    // Each key still runs one record at a time.
    assert.equal(consumer.peakConcurrency, running)
  })
}
