// Publishing while a broker fails: hung (SIGSTOP for 45 s), killed (SIGKILL), restarted (SIGTERM,
// then start). Every acknowledged event is on the topic exactly once, in publish order per key, at
// the offset it was acknowledged with; partitions led by the other brokers keep being acknowledged;
// the failed broker's partitions resume on their new leaders.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { BrokerAction } from '../../scripts/kafka/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import {
  audit,
  brokers,
  control,
  faultAdmin,
  faultTopic,
  leaders,
  PublishLoad,
  report,
  sleep,
  waitFor,
  waitForAgreement,
} from './support.ts'

/** Twelve, so that a broker leads four and they are likely to move to different new leaders. */
const PARTITIONS = 12
const PUBLISH_EVERY_MS = 5
/** A broker's partitions move after its session times out (4 s locally) plus an election. */
const OTHER_PARTITIONS_MAX_GAP_MS = 15_000
const RESUME_AFTER_MOVE_MS = 10_000

interface Scenario {
  name: string
  /** How the victim fails, and how it comes back. */
  fail: BrokerAction
  recover: BrokerAction
  /** How long it stays failed. */
  downMs: number
}

async function publishThrough(t: TestContext, scenario: Scenario) {
  const admin = faultAdmin(t)
  const { name: topic, Seq } = await faultTopic(t, scenario.name, PARTITIONS)
  await waitForAgreement(t, topic)
  const producer = new Producer({ client: { brokers: brokers() }, service: 'faults', logger: silentLogger() })
  t.after(() => producer.close())
  const load = new PublishLoad(producer, Seq, { everyMs: PUBLISH_EVERY_MS, keys: 60 })
  load.start(t)
  await waitFor(() => load.acked >= 1000, 'acknowledgements before the fault', { timeoutMs: 60_000 })

  const before = await leaders(admin, topic)
  const victim = await splittingVictim(t, topic, before)
  const victimPartitions = before.flatMap((leader, p) => (leader === victim ? [p] : []))
  const others = before.flatMap((leader, p) => (leader === victim ? [] : [p]))
  // Metadata from the brokers still answering.
  const watcher = faultAdmin(
    t,
    brokers().filter((_, i) => i + 1 !== victim),
  )
  const failedAt = Date.now()
  await control(victim, scenario.fail)
  t.after(() => control(victim, scenario.recover).catch(() => undefined))
  let moved: number[] = []
  await waitFor(
    async () =>
      (moved = await leaders(watcher, topic)).every(
        (leader, p) => !victimPartitions.includes(p) || (leader >= 0 && leader !== victim),
      ),
    `the partitions of broker ${victim} to move`,
    { timeoutMs: 60_000, intervalMs: 100 },
  )
  const movedAt = Date.now()
  // The fault lasts its full time: a duration to hold, not a condition to wait for.
  await sleep(Math.max(0, failedAt + scenario.downMs - Date.now()))
  await control(victim, scenario.recover)
  const recoveredAt = Date.now()
  const after = await waitForAgreement(t, topic)
  await waitFor(
    () => before.every((_, p) => load.firstAck(p, recoveredAt) !== undefined),
    'acknowledgements on every partition after the recovery',
    { timeoutMs: 60_000 },
  )
  const windowEnd = Date.now()
  await load.stop()
  await producer.close()

  const gaps = load.longestGaps(failedAt, windowEnd)
  const result = await audit(t, topic, load)
  const partitions = before.map((leader, p) => ({
    partition: p,
    leaderBefore: leader,
    leaderAfter: after[p],
    longestGapMs: gaps.get(p) ?? null,
    ...(victimPartitions.includes(p) && { firstAckAfterFaultMs: (load.firstAck(p, failedAt) ?? NaN) - failedAt }),
  }))
  report(t, {
    victim: `broker ${victim} (${scenario.fail} for ${Math.round((recoveredAt - failedAt) / 1000)} s)`,
    victimPartitionsMovedTo: [...new Set(victimPartitions.map((p) => moved[p]))],
    leadersMovedAfterMs: movedAt - failedAt,
    published: load.outcomes.size,
    acknowledged: load.acked,
    failures: load.failuresByCode(),
    onTopic: result.onTopic,
    lost: result.lost.length,
    duplicates: result.duplicates.length,
    reorderedKeys: result.reordered.length,
    unknownOutcomeWritten: result.unknownWritten,
    partitions,
  })
  assert.deepEqual(result.lost, [], 'no acknowledged event is missing')
  assert.deepEqual(result.duplicates, [], 'no event is on the topic twice')
  assert.deepEqual(result.reordered, [], 'per key, events are on the topic in publish order')
  assert.equal(result.wrongOffsets, 0, 'each acknowledged offset is where the event is')
  assert.equal(result.notSentButWritten, 0, 'nothing reported as not sent was written')
  for (const p of others) {
    assert.ok(
      gaps.get(p)! < OTHER_PARTITIONS_MAX_GAP_MS,
      `partition ${p} (broker ${before[p]}) waited ${gaps.get(p)} ms`,
    )
  }
  for (const p of victimPartitions) {
    const first = load.firstAck(p, failedAt)
    assert.ok(
      first !== undefined && first - movedAt < RESUME_AFTER_MOVE_MS,
      `partition ${p} resumed ${first! - movedAt} ms after its leader moved`,
    )
  }
  for (const [code] of Object.entries(load.failuresByCode())) {
    assert.match(code, /^KAFKIT_PUBLISH_(TIMEOUT|FAILED)/, 'only timeouts and retryable failures')
  }
}

/**
 * The broker to fail: preferably one whose partitions will move to different new leaders (the
 * first in-sync replica after it in each partition's replica list), the case where a request in
 * flight to it holds partitions that part ways.
 */
async function splittingVictim(t: TestContext, topic: string, before: number[]): Promise<number> {
  const metadata = await faultAdmin(t).metadata({ topics: [topic], forceUpdate: true })
  const partitions = metadata.topics.get(topic)!.partitions
  for (const candidate of new Set(before)) {
    const next = new Set(
      partitions.flatMap((p) =>
        p.leader === candidate ? [p.replicas.find((r) => r !== candidate && p.isr.includes(r))] : [],
      ),
    )
    if (next.size > 1) return candidate
  }
  return before[0]!
}

test('leader SIGSTOP for 45 s during publishing', (t) =>
  publishThrough(t, { name: 'sigstop', fail: 'pause', recover: 'resume', downMs: 45_000 }))

test('leader SIGKILL during publishing, restarted after 15 s', (t) =>
  publishThrough(t, { name: 'sigkill', fail: 'kill', recover: 'start', downMs: 15_000 }))

test('leader restart (SIGTERM, controlled shutdown) during publishing', (t) =>
  publishThrough(t, { name: 'restart', fail: 'stop', recover: 'start', downMs: 10_000 }))
