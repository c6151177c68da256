// A group member closed while its rejoin is answered must not come back to life. The wire client's
// close() leaves the group but keeps its member "active", so a SyncGroup answer delivered during or
// after the close scheduled heartbeats on the closed client, every interval, for as long as the
// process lived (a retry-tier test hung for minutes on that timer after its last assertion).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Consumer as WireConsumer, consumerHeartbeatChannel, kGetApi } from '@platformatic/kafka'
import type { GroupMember, MemberOptions } from '../../src/consumer/member.ts'
import { wireMembers } from '../../src/consumer/wire-member.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { systemClock } from '../../src/util/clock.ts'
import { brokers, createTopic, defer, uniqueName, waitFor } from '../support/kafka.ts'

type ApiCallback = (error: unknown, api?: unknown) => void
type Api = (...args: unknown[]) => void

/** SyncGroup answers to the member `holdFor` names are kept back until `release()`. */
const hold = {
  memberId: undefined as string | undefined,
  wire: undefined as object | undefined,
  answers: [] as (() => void)[],
}
const proto = WireConsumer.prototype as unknown as Record<
  symbol,
  (this: WireConsumer, name: string, cb: ApiCallback) => void
>
const getApi = proto[kGetApi]!
proto[kGetApi] = function (this: WireConsumer, name: string, callback: ApiCallback) {
  getApi.call(this, name, (error, api) => {
    if (error || name !== 'SyncGroup' || hold.memberId === undefined || this.memberId !== hold.memberId)
      return callback(error, api)
    hold.wire = this
    const holding: Api = (...args) => {
      const answer = args.pop() as (...result: unknown[]) => void
      ;(api as Api)(...args, (...result: unknown[]) => hold.answers.push(() => answer(...result)))
    }
    callback(null, Object.assign(holding, api))
  })
}

const HEARTBEAT_MS = 100

function member(group: string, topic: string): GroupMember {
  const options: MemberOptions = {
    group,
    rebalanceProtocol: 'eager',
    joinTimeoutMs: 30_000,
    topics: [topic],
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: HEARTBEAT_MS,
    rebalanceTimeoutMs: 10_000,
    autoOffsetReset: 'earliest',
    fetchMinBytes: 1,
    fetchMaxBytes: 1024 * 1024,
    fetchMaxBytesPerPartition: 64 * 1024,
    fetchMaxWaitMs: 100,
    maxPollRecords: 10,
  }
  return wireMembers({ brokers: brokers() }, silentLogger(), systemClock)(options)
}

const events = {
  readable: () => undefined,
  assigned: () => undefined,
  failed: () => undefined,
  revoking: () => Promise.resolve(),
}

test('a member closed while its rejoin is answered sends no heartbeat afterwards', async (t) => {
  const topic = await createTopic(t, 'member-close', { partitions: 2 })
  const group = uniqueName('member-close')
  const first = member(group, topic)
  await first.join(events)
  defer(t, () => first.close(1000))
  const identity = await first.groupIdentity?.()
  assert.ok(identity, 'the first member is in the group')

  // A second member joins: the first rejoins, and the answer to its SyncGroup is held back.
  hold.memberId = identity.memberId
  const second = member(group, topic)
  defer(t, () => second.close(1000))
  const joining = second.join(events)
  await waitFor(() => hold.answers.length > 0, "the first member's SyncGroup answered")

  // Closed mid-rebalance (within 200 ms it cannot settle), then the held answer is delivered.
  await first.close(200)
  let heartbeats = 0
  const counted = (context: object) => {
    if ((context as { client?: unknown }).client === hold.wire) heartbeats++
  }
  const subscriber = { start: counted, end() {}, asyncStart() {}, asyncEnd() {}, error() {} }
  consumerHeartbeatChannel.subscribe(subscriber)
  t.after(() => consumerHeartbeatChannel.unsubscribe(subscriber))
  for (const answer of hold.answers.splice(0)) answer()
  await joining

  // A closed member has nothing that could start a heartbeat: none may come within ten intervals.
  // (Absence needs a window; a revived member heartbeats after one interval.)
  await assert.rejects(
    waitFor(() => heartbeats > 0, 'a heartbeat of the closed member', { timeoutMs: 10 * HEARTBEAT_MS }),
    /timed out/,
  )
  assert.equal(heartbeats, 0)
})
