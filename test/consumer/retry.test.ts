// In-process retries: backoff bounds, the attempt counter, and other keys flowing meanwhile. On
// kafkit/testing's in-memory Kafka with a virtual clock: the backoffs pass in virtual time, so their
// bounds are checked exactly, with no allowance for timer jitter, and the run is the same every time.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffBounds } from '../../src/consumer/index.ts'
import { BASE_RETRY } from '../../src/consumer/retry.ts'
import { createTestKafkit } from '../../src/testing/index.ts'
import { uniqueName } from '../support/kafka.ts'
import { envelopeRecord } from '../support/raw.ts'
import { happenedEvent } from './fixtures/happened.ts'

test('a handler that fails twice then succeeds runs three times, within the backoff bounds', async (t) => {
  const { topic, Happened } = happenedEvent(uniqueName('retry'), 1)
  const kit = createTestKafkit({ catalog: [Happened], service: uniqueName('retry-svc') })
  t.after(() => kit.close())
  // One partition: the flaky key and 50 others share it, so "others flow meanwhile" is meaningful.
  const records = [
    envelopeRecord(topic.name, 'flaky', 'test.happened', '1.0', { entity: 'flaky', seq: 0 }),
    ...Array.from({ length: 50 }, (_, i) =>
      envelopeRecord(topic.name, `other-${i}`, 'test.happened', '1.0', { entity: `other-${i}`, seq: i }),
    ),
  ]
  for (const r of records) await kit.publishRaw({ ...r, key: r.key! })

  const attempts: { at: number; attempt: number }[] = []
  const trail: string[] = []
  const consumer = kit.consumer({ concurrency: 4 }).on(Happened, (event, ctx) => {
    if (event.payload.entity !== 'flaky') return void trail.push('other')
    attempts.push({ at: kit.clock.now(), attempt: ctx.attempt })
    trail.push(`flaky#${ctx.attempt}`)
    if (attempts.length <= 2) throw new Error(`transient failure ${attempts.length}`)
  })
  await consumer.start()
  await kit.waitFor(() => attempts.length === 3 && trail.filter((s) => s === 'other').length === 50)

  assert.deepEqual(
    attempts.map((a) => a.attempt),
    [1, 2, 3],
  )
  for (const [index, bounds] of [backoffBounds(BASE_RETRY, 1), backoffBounds(BASE_RETRY, 2)].entries()) {
    const gap = attempts[index + 1]!.at - attempts[index]!.at
    assert.ok(gap >= bounds.min, `retry ${index + 1} came after ${gap} ms, before the ${bounds.min} ms minimum`)
    assert.ok(gap <= bounds.max, `retry ${index + 1} came after ${gap} ms, past ${bounds.max} ms`)
  }
  // While the flaky key waited, the rest of its partition went on.
  const between = trail.slice(trail.indexOf('flaky#1'), trail.indexOf('flaky#3'))
  assert.ok(between.includes('other'), `other keys were handled during the backoff: ${trail.join(' ')}`)
})
