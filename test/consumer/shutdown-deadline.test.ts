// docs/consumer.md#shutdown: running handlers may finish until shutdownTimeout less a quarter of it
// (at most 5 s); then their signal fires with KAFKIT_SHUTDOWN, and close() returns within
// shutdownTimeout in all, even past a handler that ignores its signal. On the in-memory Kafka with a
// virtual clock, so the instants are exact.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { createTestKafkit } from '../../src/testing/index.ts'
import { happenedEvent } from './fixtures/happened.ts'

type Kit = ReturnType<typeof createTestKafkit>

/**
 * Calls close() and moves the virtual clock on 100 ms at a time, letting the runtime settle after
 * each step, so that the test itself says how time passes. Gives the virtual times close() was
 * called and returned.
 */
async function closeStepping(kit: Kit, consumer: { close(): Promise<void> }) {
  const closing = kit.clock.now()
  let closedAt: number | undefined
  const closed = consumer.close().then(() => (closedAt = kit.clock.now()))
  while (closedAt === undefined && kit.clock.now() - closing < 120_000) {
    await kit.advance(100)
    await kit.waitFor(() => true, { advanceClock: false })
    await new Promise((resolve) => setImmediate(resolve))
  }
  await closed
  return { closing, closedAt }
}

for (const [shutdownTimeout, drain] of [
  [8_000, 6_000], // a quarter kept for closing
  [40_000, 35_000], // the reserve is at most 5 s
] as const) {
  test(`shutdownTimeout ${shutdownTimeout} ms: a running handler's signal fires ${drain} ms into close(), which returns within the timeout`, async () => {
    const { Happened, catalog } = happenedEvent(`shutdown-deadline-${shutdownTimeout}.v1`, 1)
    const kit = createTestKafkit({ catalog })
    let started = false
    let abortedAt: number | undefined
    let reason: unknown
    const consumer = kit.consumer({ group: 'g', shutdownTimeout }).on(Happened, (_event, ctx) => {
      started = true
      return new Promise<void>((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          abortedAt = kit.clock.now()
          reason = ctx.signal.reason
          reject(ctx.signal.reason as Error)
        }),
      )
    })
    await consumer.start()
    await kit.publish(Happened, { entity: 'slow', seq: 0 })
    await kit.waitFor(() => started)

    const { closing, closedAt } = await closeStepping(kit, consumer)

    assert.equal(abortedAt! - closing, drain, 'the signal fires when the drain ends')
    assert.ok(KafkitError.is(reason) && reason.code === ErrorCodes.SHUTDOWN, 'with a KAFKIT_SHUTDOWN error')
    assert.ok(closedAt! - closing <= shutdownTimeout, `close() took ${closedAt! - closing} ms`)
    assert.equal(kit.broker.committed('g', Happened.topic.name, 0) ?? 0n, 0n, 'the interrupted record is not committed')
    assert.equal(kit.deadLetters(Happened).length, 0, 'nor dead-lettered')
    await kit.close()
  })
}

test('a handler that ignores its signal does not hold close() past shutdownTimeout', async () => {
  const { Happened, catalog } = happenedEvent('shutdown-deadline-deaf.v1', 1)
  const kit = createTestKafkit({ catalog })
  let started = false
  const consumer = kit.consumer({ group: 'g', shutdownTimeout: 4_000 }).on(Happened, () => {
    started = true
    return new Promise<void>(() => undefined)
  })
  await consumer.start()
  await kit.publish(Happened, { entity: 'deaf', seq: 0 })
  await kit.waitFor(() => started)

  const { closing, closedAt } = await closeStepping(kit, consumer)
  assert.ok(closedAt! - closing <= 4_000, `close() took ${closedAt! - closing} ms`)
  assert.equal(kit.broker.committed('g', Happened.topic.name, 0) ?? 0n, 0n, 'its record is not committed')
  await kit.close()
})
