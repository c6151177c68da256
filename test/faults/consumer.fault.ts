// Consuming while brokers and members fail: the group coordinator SIGKILLed, a rebalance storm
// (1 → 3 → 1 members, stopped with SIGTERM and with SIGKILL), a member SIGKILLed five times over
// 50,000 events. At-least-once holds: every published event is handled. Duplicates, pauses and
// per-key order are printed; the bounds on them come with the consumer runtime's cooperative
// rebalancing and commit cadence (docs/reliability.md).
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { ConsumerProcess, handlingGaps, produce, tally } from './consumers.ts'
import {
  brokers,
  control,
  coordinatorOf,
  faultAdmin,
  faultTopic,
  PublishLoad,
  report,
  sleep,
  waitFor,
  waitForAgreement,
} from './support.ts'
import { uniqueName } from '../support/kafka.ts'

const PARTITIONS = 6
const HANDLE_ALL_MS = 240_000
/** How long each phase of a rebalance storm lasts. */
const HOLD_MS = 10_000

test('group coordinator SIGKILL during consumption', async (t) => {
  const { name: topic } = await faultTopic(t, 'coordinator', PARTITIONS)
  await waitForAgreement(t, topic)
  const ids = await produce(t, topic, PARTITIONS, 20_000)
  const group = uniqueName('faults-coordinator')
  const first = new ConsumerProcess(t, topic, PARTITIONS, group)
  await first.ready
  await waitFor(() => first.handled.length >= 4000, 'a fifth handled', { timeoutMs: 120_000 })
  const coordinator = await coordinatorOf(faultAdmin(t), group)
  const killedAt = Date.now()
  await control(coordinator, 'kill')
  t.after(() => control(coordinator, 'start').catch(() => undefined))
  await sleep(15_000) // the broker stays down this long: a fault duration, not a wait for a condition
  await control(coordinator, 'start')
  await waitFor(() => tally(ids, [first]).missing.length === 0, 'every event handled', { timeoutMs: HANDLE_ALL_MS })
  const doneAt = Date.now()
  await first.kill('SIGTERM')
  const result = tally(ids, [first])
  report(t, {
    coordinator: `broker ${coordinator} (SIGKILL, restarted after 15 s)`,
    published: ids.length,
    handled: result.handled,
    missing: result.missing.length,
    duplicates: result.duplicates,
    longestPauseMsPerPartition: handlingGaps([first], killedAt, doneAt),
    allHandledAfterKillMs: doneAt - killedAt,
  })
  assert.deepEqual(result.missing, [], 'every event handled')
  await waitForAgreement(t, topic)
})

async function storm(t: TestContext, signal: 'SIGTERM' | 'SIGKILL') {
  const { name: topic, Seq } = await faultTopic(t, `storm-${signal.toLowerCase()}`, PARTITIONS)
  await waitForAgreement(t, topic)
  const group = uniqueName('faults-storm')
  const producer = new Producer({ client: { brokers: brokers() }, service: 'faults', logger: silentLogger() })
  t.after(() => producer.close())
  const load = new PublishLoad(producer, Seq, { everyMs: 10, keys: 60 })
  const steady = new ConsumerProcess(t, topic, PARTITIONS, group)
  await steady.ready
  load.start(t)
  const runs = [steady]
  const stormStart = Date.now()
  for (let round = 0; round < 2; round++) {
    const extra = [new ConsumerProcess(t, topic, PARTITIONS, group), new ConsumerProcess(t, topic, PARTITIONS, group)]
    runs.push(...extra)
    await Promise.all(extra.map((c) => c.ready))
    await sleep(HOLD_MS) // three members for a while: a phase of the storm, not a wait for a condition
    await Promise.all(extra.map((c) => c.kill(signal)))
    await sleep(HOLD_MS) // one member again
  }
  await load.stop()
  await producer.close()
  const published = [...load.outcomes].filter(([, o]) => o.result).map(([id]) => id)
  await waitFor(() => tally(published, runs).missing.length === 0, 'every acknowledged event handled', {
    timeoutMs: HANDLE_ALL_MS,
  })
  const doneAt = Date.now()
  await steady.kill('SIGTERM')
  const result = tally(published, runs)
  const reordered = reorderedKeys(runs)
  report(t, {
    storm: `1 → 3 → 1 members twice (10 s each), the two extra stopped with ${signal}`,
    published: published.length,
    handled: result.handled,
    missing: result.missing.length,
    duplicates: result.duplicates,
    keysHandledOutOfOrderWithinARun: reordered,
    longestPauseMsPerPartition: handlingGaps(runs, stormStart, doneAt),
    durationMs: doneAt - stormStart,
  })
  assert.deepEqual(result.missing, [], 'every acknowledged event handled')
}

/** Keys a member handled out of publish order (its first handling of each event; replays do not count). */
function reorderedKeys(runs: readonly ConsumerProcess[]): number {
  const keys = new Set<string>()
  for (const run of runs) {
    const last = new Map<string, number>()
    const seen = new Set<string>()
    for (const { id, key, seq } of run.handled) {
      if (seen.has(id)) continue
      seen.add(id)
      if ((last.get(key) ?? -1) > seq) keys.add(key)
      last.set(key, Math.max(last.get(key) ?? -1, seq))
    }
  }
  return keys.size
}

test('rebalance storm, extra members stopped with SIGTERM', (t) => storm(t, 'SIGTERM'))

test('rebalance storm, extra members stopped with SIGKILL', (t) => storm(t, 'SIGKILL'))

test('consumer SIGKILL five times over 50,000 events', async (t) => {
  const { name: topic } = await faultTopic(t, 'crashes', PARTITIONS)
  await waitForAgreement(t, topic)
  const ids = await produce(t, topic, PARTITIONS, 50_000)
  const group = uniqueName('faults-crashes')
  const runs: ConsumerProcess[] = []
  const perKill: { handledBeforeKill: number; handledAgainAfter: number }[] = []
  for (let kill = 1; kill <= 5; kill++) {
    const run = new ConsumerProcess(t, topic, PARTITIONS, group)
    runs.push(run)
    await run.ready
    const target = Math.min(ids.length - 1000, (kill * ids.length) / 6)
    await waitFor(() => tally(ids, runs).unique >= target, `${target} events handled`, { timeoutMs: HANDLE_ALL_MS })
    await run.kill('SIGKILL')
    perKill.push({ handledBeforeKill: run.handled.length, handledAgainAfter: 0 })
  }
  const last = new ConsumerProcess(t, topic, PARTITIONS, group)
  runs.push(last)
  await waitFor(() => tally(ids, runs).missing.length === 0, 'every event handled', { timeoutMs: HANDLE_ALL_MS })
  await last.kill('SIGTERM')
  // Duplicates of kill k: events run k handled that a later run handled again.
  runs.slice(0, 5).forEach((run, k) => {
    const later = new Set(runs.slice(k + 1).flatMap((r) => r.handled.map((h) => h.id)))
    perKill[k]!.handledAgainAfter = new Set(run.handled.map((h) => h.id).filter((id) => later.has(id))).size
  })
  const result = tally(ids, runs)
  report(t, {
    published: ids.length,
    handled: result.handled,
    missing: result.missing.length,
    duplicates: result.duplicates,
    duplicatesPerKill: perKill.map((k) => k.handledAgainAfter),
    duplicateShare: `${((100 * result.duplicates) / ids.length).toFixed(1)} %`,
  })
  assert.deepEqual(result.missing, [], 'every event handled')
})
