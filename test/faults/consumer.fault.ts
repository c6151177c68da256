// Consuming while brokers and members fail: the group coordinator SIGKILLed, a rebalance storm
// (1 → 3 → 1 members, stopped with SIGTERM and with SIGKILL), a member SIGKILLed five times over
// 50,000 events. At-least-once holds: every published event is handled. The storms run with each
// rebalance protocol: with the incremental ones (cooperative-sticky, KIP-848) the partitions that stay
// with the steady member never pause. After each kill, the events handled again stay within the
// documented bound: maxInFlight plus what is handled in a commit interval and two commit round trips
// (docs/reliability.md). Pauses and per-key order are printed.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import type { RebalanceProtocol } from '../../src/consumer/member.ts'
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
/** The consumer processes' defaults (consumer-process.ts): maxInFlight and commitInterval. */
const MAX_IN_FLIGHT = 1000
const COMMIT_INTERVAL_MS = 1000
/** What a commit request is allowed in the bound on a loaded machine. */
const COMMIT_ROUND_TRIP_MS = 500
/** The handling rate before a kill is measured over this window. */
const RATE_WINDOW_MS = 2000

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

/** The steady member's partitions that it held from `from` to `to` without a revocation. */
function keptPartitions(run: ConsumerProcess, from: number, to: number): number[] {
  const held = new Set<number>()
  for (const step of run.steps) {
    if (step.at > from) continue
    if (step.assigned) held.add(step.partition)
    else held.delete(step.partition)
  }
  for (const step of run.steps) if (step.at > from && step.at <= to && !step.assigned) held.delete(step.partition)
  return [...held].sort((a, b) => a - b)
}

/** Partitions that stay with a member must not pause longer than this (the session timeout is 6 s). */
const KEPT_PAUSE_MS = 5000

async function storm(t: TestContext, signal: 'SIGTERM' | 'SIGKILL', protocol: RebalanceProtocol) {
  const { name: topic, Seq } = await faultTopic(t, `storm-${protocol}-${signal.toLowerCase()}`, PARTITIONS)
  await waitForAgreement(t, topic)
  const group = uniqueName('faults-storm')
  const producer = new Producer({ client: { brokers: brokers() }, service: 'faults', logger: silentLogger() })
  t.after(() => producer.close())
  const load = new PublishLoad(producer, Seq, { everyMs: 10, keys: 60 })
  const steady = new ConsumerProcess(t, topic, PARTITIONS, group, protocol)
  await steady.ready
  load.start(t)
  await waitFor(() => steady.handled.length > 0, 'the steady member handles', { timeoutMs: 60_000 })
  const runs = [steady]
  const stormStart = Date.now()
  for (let round = 0; round < 2; round++) {
    const extra = [
      new ConsumerProcess(t, topic, PARTITIONS, group, protocol),
      new ConsumerProcess(t, topic, PARTITIONS, group, protocol),
    ]
    runs.push(...extra)
    await Promise.all(extra.map((c) => c.ready))
    await sleep(HOLD_MS) // three members for a while: a phase of the storm, not a wait for a condition
    await Promise.all(extra.map((c) => c.kill(signal)))
    await sleep(HOLD_MS) // one member again
  }
  const stormEnd = Date.now()
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
  const kept = keptPartitions(steady, stormStart, stormEnd)
  const gaps = handlingGaps(runs, stormStart, stormEnd)
  const keptGaps = Object.fromEntries(kept.map((p) => [p, gaps[p] ?? stormEnd - stormStart]))
  report(t, {
    storm: `${protocol}: 1 → 3 → 1 members twice (10 s each), the two extra stopped with ${signal}`,
    published: published.length,
    handled: result.handled,
    missing: result.missing.length,
    duplicates: result.duplicates,
    keysHandledOutOfOrderWithinARun: reordered,
    keptPartitions: kept,
    longestPauseMsKeptPartitions: keptGaps,
    longestPauseMsPerPartition: gaps,
    durationMs: doneAt - stormStart,
  })
  assert.deepEqual(result.missing, [], 'every acknowledged event handled')
  assert.equal(reordered, 0, 'no key handled out of order within a member')
  if (protocol !== 'eager') {
    assert.ok(kept.length > 0, 'the steady member kept some partitions through the storm')
    for (const [p, ms] of Object.entries(keptGaps))
      assert.ok(ms < KEPT_PAUSE_MS, `partition ${p} stayed with the steady member and paused ${ms} ms`)
  }
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

for (const protocol of ['eager', 'cooperative', 'consumer'] as const) {
  test(`rebalance storm (${protocol}), extra members stopped with SIGTERM`, (t) => storm(t, 'SIGTERM', protocol))
  test(`rebalance storm (${protocol}), extra members stopped with SIGKILL`, (t) => storm(t, 'SIGKILL', protocol))
}

test('consumer SIGKILL five times over 50,000 events', async (t) => {
  const { name: topic } = await faultTopic(t, 'crashes', PARTITIONS)
  await waitForAgreement(t, topic)
  const ids = await produce(t, topic, PARTITIONS, 50_000)
  const group = uniqueName('faults-crashes')
  const runs: ConsumerProcess[] = []
  const perKill: { handledAgainAfter: number; bound: number; perSecond: number }[] = []
  for (let kill = 1; kill <= 5; kill++) {
    const run = new ConsumerProcess(t, topic, PARTITIONS, group)
    runs.push(run)
    await run.ready
    const target = Math.min(ids.length - 1000, (kill * ids.length) / 6)
    await waitFor(() => tally(ids, runs).unique >= target, `${target} events handled`, { timeoutMs: HANDLE_ALL_MS })
    const killedAt = Date.now()
    await run.kill('SIGKILL')
    // The rate just before the kill sets the bound: what a commit interval and two round trips hold.
    const perSecond = run.handled.filter((h) => h.at > killedAt - RATE_WINDOW_MS).length / (RATE_WINDOW_MS / 1000)
    const bound = Math.ceil(MAX_IN_FLIGHT + perSecond * ((COMMIT_INTERVAL_MS + 2 * COMMIT_ROUND_TRIP_MS) / 1000))
    perKill.push({ handledAgainAfter: 0, bound, perSecond })
  }
  const last = new ConsumerProcess(t, topic, PARTITIONS, group)
  runs.push(last)
  await waitFor(() => tally(ids, runs).missing.length === 0, 'every event handled', {
    timeoutMs: HANDLE_ALL_MS,
  }).catch((error: unknown) => {
    const missing = new Set(tally(ids, runs).missing)
    const seqs = ids.flatMap((id, seq) => (missing.has(id) ? [seq] : []))
    t.diagnostic(`missing ${seqs.length}: seq ${seqs.slice(0, 20).join(',')}…; last run handled ${last.handled.length}`)
    throw error
  })
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
    boundPerKill: perKill.map((k) => k.bound),
    handledPerSecondBeforeKill: perKill.map((k) => Math.round(k.perSecond)),
    duplicateShare: `${((100 * result.duplicates) / ids.length).toFixed(1)} %`,
  })
  assert.deepEqual(result.missing, [], 'every event handled')
  perKill.forEach((k, i) =>
    assert.ok(k.handledAgainAfter <= k.bound, `kill ${i + 1}: ${k.handledAgainAfter} handled again, bound ${k.bound}`),
  )
})
