// The runner's edges, made deterministic: a scripted group member (test/support/scripted-member.ts)
// and a manual clock stand in for Kafka and time, so that revokes, restarts, retries, due times and
// the shutdown deadline interleave exactly as each test says. The same promises are tested against
// the real broker in the other consumer tests; these pin the interleavings a broker cannot order.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Consumer, type ConsumerOptions, type OutgoingRecord } from '../../src/consumer/index.ts'
import { ErrorCodes, KafkitError, NonRetryableError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { ManualClock, settle } from '../support/clock.ts'
import { captureLogs } from '../support/logs.ts'
import { happenedRecord, scriptedMembers, type ScriptedMember } from '../support/scripted-member.ts'
import { happenedEvent } from './fixtures/happened.ts'

const TOPIC = 'scripted.v1'
const p0 = { topic: TOPIC, partition: 0 }
const p1 = { topic: TOPIC, partition: 1 }

function setup(t: TestContext, options: Partial<ConsumerOptions> & { noProducer?: boolean } = {}) {
  const clock = new ManualClock()
  const members = scriptedMembers()
  const sent: OutgoingRecord[] = []
  const writes = { fail: false }
  const producer = {
    publish: () => Promise.reject(new Error('not in these tests')),
    sendRecords: (records: OutgoingRecord[]) => {
      if (writes.fail) return Promise.reject(new Error('the broker is away'))
      sent.push(...records)
      return Promise.resolve()
    },
    maxRecordBytes: 1024 * 1024,
  }
  const { Happened, catalog } = happenedEvent(TOPIC, 2)
  const { noProducer, ...rest } = options
  const consumer = new Consumer({
    client: { brokers: ['127.0.0.1:1'] },
    catalog,
    service: 'scripted',
    group: 'g',
    logger: silentLogger(),
    ...(!noProducer && { producer }),
    clock,
    groupMember: members.factory,
    provisionRetryTopics: false,
    telemetry: false,
    lagInterval: false,
    ...rest,
  })
  /** Stops the consumer, moving the clock on so that every bound of stop() can be reached. */
  const stop = async () => {
    const stopping = consumer.stop()
    await clock.advance(120_000)
    await stopping
  }
  t.after(stop)
  const member = (group = 'g') => members.of(group)!
  const committed = (m: ScriptedMember, tp = p0) =>
    m.commits
      .flat()
      .filter((c) => c.topic === tp.topic && c.partition === tp.partition)
      .map((c) => c.offset)
  return { clock, members, member, consumer, Happened, sent, writes, stop, committed }
}

/** A record of a retry tier, due at `due` (clock ms). */
function tierRecord(topic: string, offset: bigint, entity: string, due: number) {
  return happenedRecord(topic, 0, offset, entity, {
    'kafkit-retry-tier': '0',
    'kafkit-retry-due': String(due),
    'kafkit-retry-attempts': '1',
    'kafkit-retry-origin-topic': TOPIC,
    'kafkit-retry-origin-partition': '0',
    'kafkit-retry-origin-offset': String(offset),
    'kafkit-retry-origin-timestamp': String(due - 10_000),
    'kafkit-retry-first-failure': new Date(due - 10_000).toISOString(),
  })
}

for (const how of ['revoked and given back', 'lost with its member, which is replaced'] as const) {
  test(`a tier record waiting for its due time does not outlive its partition (${how}): the record before it runs again`, async (t) => {
    const s = setup(t, { retryTopics: ['10s'], retry: { maxAttempts: 1 } })
    const tierTopic = `${TOPIC}.retry.g.10s`
    const tp = { topic: tierTopic, partition: 0 }
    const calls: string[] = []
    let releaseFirst: (error: Error) => void = () => undefined
    s.consumer.on(s.Happened, (event, ctx) => {
      calls.push(`${event.payload.entity}#${ctx.attempt}`)
      if (calls.length === 1) return new Promise<void>((_resolve, reject) => (releaseFirst = reject))
      return undefined
    })
    await s.consumer.start()
    let tier = s.member('g.retry-10s')
    tier.assign([tp])
    const now = s.clock.now()
    tier.deliver(tierRecord(tierTopic, 0n, 'a', now), tierRecord(tierTopic, 1n, 'b', now + 10_000))
    await settle()
    assert.deepEqual(calls, ['a#2'], "a's tier attempt runs (and hangs)")
    assert.ok(tier.calls.includes(`pause ${tierTopic}[0] from 1`), 'b is given back to the member until due')

    if (how === 'revoked and given back') {
      tier.assign([], [tp])
      tier.assign([tp])
    } else {
      tier.fail(new Error('heartbeats stalled'), 'member')
      await s.clock.advance(1000) // the restart backoff
      assert.ok(tier.calls.includes('close'), 'the failed member left')
      tier = s.member('g.retry-10s')
      assert.deepEqual(tier.calls, ['join'], 'a new member joined')
      tier.assign([tp])
    }
    await s.clock.advance(20_000)
    assert.ok(
      !tier.calls.some((c) => c.startsWith(`resume ${tierTopic}`)),
      'the old hold resumed nothing when b was due',
    )
    assert.deepEqual(calls, ['a#2'], 'nothing ran on a stale hold')

    // The member fetches the partition again from its committed offset: a, then b (due by now).
    tier.deliver(tierRecord(tierTopic, 0n, 'a', now), tierRecord(tierTopic, 1n, 'b', now + 10_000))
    await settle()
    assert.deepEqual(calls, ['a#2', 'a#2', 'b#2'], 'a ran again, then b: nothing skipped')
    releaseFirst(new Error('the attempt on the lost partition ends'))
    await s.clock.advance(1000) // a commit interval
    assert.deepEqual(s.committed(tier, tp).at(-1), 2n, 'committed once both were handled')
    assert.deepEqual(s.sent, [], 'nothing was dead-lettered')
  })
}

test('stop(): a record waiting to retry is given back at once; one still running near the deadline is interrupted; neither is dead-lettered nor committed; no timer is left', async (t) => {
  const s = setup(t, { shutdownTimeout: '10s', retry: { maxAttempts: 3, initialBackoff: 5000, multiplier: 1 } })
  const attempts: string[] = []
  let slowReason: unknown = undefined
  s.consumer.on(s.Happened, (event, ctx) => {
    attempts.push(event.payload.entity)
    if (event.payload.entity === 'retrying') throw new Error('transient')
    if (event.payload.entity === 'slow') {
      return new Promise<void>((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          slowReason = ctx.signal.reason
          reject(ctx.signal.reason as Error)
        }),
      )
    }
    return undefined
  })
  await s.consumer.start()
  const member = s.member()
  member.assign([p0])
  member.deliver(
    happenedRecord(TOPIC, 0, 0n, 'done'),
    happenedRecord(TOPIC, 0, 1n, 'retrying'),
    happenedRecord(TOPIC, 0, 2n, 'slow'),
  )
  await settle()
  assert.deepEqual(attempts, ['done', 'retrying', 'slow'])

  const stopping = s.consumer.stop()
  await settle()
  await s.clock.advance(7400)
  assert.equal(slowReason, undefined, 'before the drain deadline (10 s less 2.5 s kept for closing) it runs on')
  await s.clock.advance(200)
  const reason = slowReason as unknown
  assert.ok(KafkitError.is(reason) && reason.code === ErrorCodes.SHUTDOWN, 'then its signal fires: shutdown')
  await s.clock.advance(5000)
  await stopping
  assert.deepEqual(attempts, ['done', 'retrying', 'slow'], 'the waiting retry never ran')
  assert.deepEqual(s.sent, [], 'nothing was dead-lettered')
  assert.deepEqual([...new Set(s.committed(member))], [1n], 'only the finished record is committed')
  assert.ok(member.calls.at(-1) === 'close', 'the member left the group last')
  assert.equal(s.clock.pending, 0, 'no timer outlives stop()')
})

test('stop(): a handler interrupted at the deadline with no attempt left is not dead-lettered either', async (t) => {
  const s = setup(t, { shutdownTimeout: '4s', retry: { maxAttempts: 1 } })
  let interrupted = false
  s.consumer.on(s.Happened, (_event, ctx) => {
    return new Promise<void>((_resolve, reject) =>
      ctx.signal.addEventListener('abort', () => {
        interrupted = true
        reject(ctx.signal.reason as Error)
      }),
    )
  })
  await s.consumer.start()
  s.member().assign([p0])
  s.member().deliver(happenedRecord(TOPIC, 0, 0n, 'slow'))
  await settle()
  await s.stop()
  assert.equal(interrupted, true, 'the attempt was interrupted')
  assert.deepEqual(s.sent, [], 'its failure is not a failure of the record: nothing dead-lettered')
  assert.deepEqual(s.committed(s.member()), [], 'nor committed')
})

test('stop() with no producer and a record whose DLQ write keeps failing: no write is rescheduled after it', async (t) => {
  const s = setup(t, { noProducer: true, shutdownTimeout: '2s' })
  let attempts = 0
  s.consumer.on(s.Happened, () => {
    attempts++
    throw new NonRetryableError('poison')
  })
  await s.consumer.start()
  s.member().assign([p0])
  s.member().deliver(happenedRecord(TOPIC, 0, 0n, 'poison'))
  await s.clock.advance(5000) // the DLQ write fails and is retried with backoff
  assert.equal(attempts, 1)
  await s.stop()
  assert.equal(s.clock.pending, 0, 'no DLQ write (nor anything else) is scheduled after stop()')
  assert.deepEqual(s.committed(s.member()), [], 'the record is not committed')
})

test('stop() keeps to shutdownTimeout when onRevoke never settles and the member hangs while leaving', async (t) => {
  const s = setup(t, { shutdownTimeout: '3s', onRevoke: () => new Promise<void>(() => undefined) })
  s.consumer.on(s.Happened, () => undefined)
  await s.consumer.start()
  s.member().assign([p0])
  s.member().hangOnClose = true
  let stopped = false
  const stopping = s.consumer.stop().then(() => (stopped = true))
  await s.clock.advance(2900)
  assert.equal(stopped, false)
  await s.clock.advance(200)
  await stopping
  assert.equal(stopped, true, 'stop() returned at its deadline')
})

test('a failed member commits its finished work before it leaves and before its replacement joins', async (t) => {
  const s = setup(t)
  s.consumer.on(s.Happened, () => undefined)
  await s.consumer.start()
  const old = s.member()
  old.assign([p0])
  old.deliver(...[0n, 1n, 2n].map((offset) => happenedRecord(TOPIC, 0, offset, `k${offset}`)))
  await settle()
  assert.deepEqual(old.commits, [], 'no commit interval has passed')
  old.fail(new Error('heartbeats stalled'), 'member')
  await s.clock.advance(1000)
  const calls = old.calls.filter((c) => c.startsWith('commit') || c === 'close')
  assert.deepEqual(calls, [`commit ${TOPIC}[0]=3`, 'close'], 'committed first, then left')
  assert.equal(s.members.all('g').length, 2)
  assert.deepEqual(s.member().calls, ['join'])
})

test('after a join, work finished while commits were deferred (a rebalance) is committed at once, not an interval later', async (t) => {
  const s = setup(t, { commitInterval: '5s' })
  s.consumer.on(s.Happened, () => undefined)
  await s.consumer.start()
  const m = s.member()
  m.assign([p0])
  m.deferCommits = true
  m.deliver(...[0n, 1n, 2n].map((offset) => happenedRecord(TOPIC, 0, offset, `k${offset}`)))
  await settle()
  await s.clock.advance(5000)
  assert.deepEqual(m.commits, [], 'the periodic commit was deferred')
  m.deferCommits = false
  m.assign([p1]) // the rebalance ends
  await settle()
  assert.deepEqual(s.committed(m), [3n], 'committed at the join, with no time passing')
  await s.clock.advance(4999)
  assert.deepEqual(s.committed(m), [3n], 'the next interval counts from the join')
})

test('a failure reported while a member is being replaced is not lost: another replacement follows', async (t) => {
  const s = setup(t)
  s.consumer.on(s.Happened, () => undefined)
  await s.consumer.start()
  // The replacement is evicted while it joins.
  s.members.prepareNext((member) => (member.whileJoining = () => member.fail(new Error('evicted again'), 'member')))
  s.member().fail(new Error('evicted'), 'member')
  await s.clock.advance(5000)
  const [, second, third] = s.members.all('g')
  assert.ok(second?.calls.includes('close'), "the second member's failure was handled once it ran: it left")
  assert.deepEqual(third?.calls, ['join'], 'a third member joined in its place')
  assert.equal(s.consumer.status().runners[0]!.restarts, 2)
})

test('a synchronous throw in onAssign is caught and logged; the records are then handled', async (t) => {
  const logs = captureLogs('error')
  const s = setup(t, {
    logger: logs.logger,
    onAssign: () => {
      throw new Error('assign hook threw')
    },
  })
  const handled: string[] = []
  s.consumer.on(s.Happened, (event) => void handled.push(event.payload.entity))
  await s.consumer.start()
  s.member().assign([p0])
  s.member().deliver(happenedRecord(TOPIC, 0, 0n, 'a'))
  await settle()
  assert.deepEqual(handled, ['a'])
  assert.equal(logs.matching('onAssign hook failed').length, 1)
})

test('a key waiting to retry pauses its own partition once records stall behind it; the others flow; it resumes where it stopped', async (t) => {
  const s = setup(t, { maxInFlight: 9, retry: { maxAttempts: 2, initialBackoff: 5000, multiplier: 1 } })
  const handled: string[] = []
  s.consumer.on(s.Happened, (event, ctx) => {
    if (event.payload.entity === 'hot' && ctx.offset === 0n) throw new Error('not yet')
    handled.push(`${event.payload.entity}@${ctx.partition}:${ctx.offset}`)
  })
  await s.consumer.start()
  const member = s.member()
  member.assign([p0, p1])
  // Two partitions: up to 9 / (2 + 1) = 3 records may stall behind one partition's retrying key.
  member.deliver(...[0n, 1n, 2n, 3n, 4n, 5n].map((offset) => happenedRecord(TOPIC, 0, offset, 'hot')))
  await settle()
  assert.ok(member.calls.includes(`pause ${TOPIC}[0]`), 'partition 0 paused at 3 records stalled')
  member.deliver(...[0n, 1n, 2n].map((offset) => happenedRecord(TOPIC, 1, offset, `cold${offset}`)))
  await settle()
  assert.deepEqual(handled, ['cold0@1:0', 'cold1@1:1', 'cold2@1:2'], 'partition 1 flows meanwhile')
  await s.clock.advance(6000) // the hot record's second attempt fails: it goes to the DLQ
  assert.equal(s.sent.length, 1)
  assert.ok(member.calls.includes(`resume ${TOPIC}[0] at 4`), 'partition 0 resumes after the records it holds')
  assert.deepEqual(
    handled.filter((h) => h.startsWith('hot')),
    ['hot@0:1', 'hot@0:2', 'hot@0:3'],
  )
})

test('a key whose DLQ write keeps failing pauses its own partition once records stall behind it; the others flow', async (t) => {
  const s = setup(t, { maxInFlight: 9, retry: { maxAttempts: 1 } })
  s.writes.fail = true
  const handled: string[] = []
  s.consumer.on(s.Happened, (event, ctx) => {
    if (event.payload.entity === 'hot' && ctx.offset === 0n) throw new NonRetryableError('poison')
    handled.push(`${event.payload.entity}@${ctx.partition}:${ctx.offset}`)
  })
  await s.consumer.start()
  const member = s.member()
  member.assign([p0, p1])
  // The poison record's DLQ write fails; up to 9 / (2 + 1) = 3 records may stall behind it.
  member.deliver(...[0n, 1n, 2n, 3n, 4n, 5n].map((offset) => happenedRecord(TOPIC, 0, offset, 'hot')))
  await settle()
  assert.ok(
    member.calls.includes(`pause ${TOPIC}[0]`),
    'partition 0 paused at 3 records stalled, during the first write',
  )
  member.deliver(...[0n, 1n, 2n, 3n, 4n, 5n].map((offset) => happenedRecord(TOPIC, 1, offset, `cold${offset}`)))
  await settle()
  assert.equal(handled.length, 6, 'partition 1 flows while the write is failing')
  await s.clock.advance(5000) // the write is tried again, and fails again
  assert.deepEqual(s.sent, [])
  s.writes.fail = false
  await s.clock.advance(60_000) // the next try succeeds
  assert.equal(s.sent.length, 1, 'the failure written away at last')
  assert.ok(
    member.calls.some((c) => c.startsWith(`resume ${TOPIC}[0]`)),
    'partition 0 resumes',
  )
  assert.deepEqual(
    handled.filter((h) => h.startsWith('hot')),
    ['hot@0:1', 'hot@0:2', 'hot@0:3'],
    'only the records admitted before the pause ran; the later ones were given back to the member',
  )
})

test('a handler timeout fires at its deadline, on the clock, and the attempt is retried', async (t) => {
  const s = setup(t, { handlerTimeout: '5s', retry: { maxAttempts: 2, initialBackoff: 1000, multiplier: 1 } })
  const reasons: unknown[] = []
  s.consumer.on(s.Happened, (_event, ctx) => {
    if (ctx.attempt === 2) return undefined
    return new Promise<void>((_resolve, reject) =>
      ctx.signal.addEventListener('abort', () => {
        reasons.push(ctx.signal.reason)
        reject(ctx.signal.reason as Error)
      }),
    )
  })
  await s.consumer.start()
  s.member().assign([p0])
  s.member().deliver(happenedRecord(TOPIC, 0, 0n, 'slow'))
  await s.clock.advance(4900)
  assert.deepEqual(reasons, [], 'not before its time')
  await s.clock.advance(200)
  const reason = reasons[0] as unknown
  assert.ok(KafkitError.is(reason) && reason.code === ErrorCodes.HANDLER_TIMEOUT, 'its signal fired with a timeout')
  await s.clock.advance(2000) // the backoff, then the second attempt succeeds
  assert.deepEqual(s.committed(s.member()).at(-1), 1n)
})
