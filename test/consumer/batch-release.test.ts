// A batch whose handler returns without a promise is finished within the pool step that runs it:
// its records are given back to the pool before the runner reads the next record, so a consumer
// never holds more records than its open batches (held records outlive young-generation
// collections, which is what made the batch path cost more per record than the per-record one).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import type { FetchedRecord, GroupMember, MemberEvents, MemberOptions } from '../../src/consumer/member.ts'
import { GroupRunner } from '../../src/consumer/runner.ts'
import { Router } from '../../src/consumer/router.ts'
import { sourceFacts } from '../../src/consumer/tiers.ts'
import { createEnvelope, envelopeHeaders, jsonCodec } from '../../src/envelope/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { systemClock } from '../../src/util/clock.ts'
import { batchIntake } from '../support/batcher.ts'
import { testPipeline } from '../support/pipeline.ts'

const topic = defineTopic({ name: 'release.v1', key: 'id' })
const Event = defineEvent({
  type: 'release.happened',
  version: '1.0',
  topic,
  schema: z.object({ id: z.string(), n: z.number() }),
})

function fetched(offset: number): FetchedRecord {
  const envelope = createEnvelope({
    type: 'release.happened',
    version: '1.0',
    source: 'test',
    payload: { id: 'k', n: offset },
  })
  const headerEntries = Object.entries(envelopeHeaders(envelope, jsonCodec.contentType)).map(
    ([k, v]) => [Buffer.from(k), Buffer.from(v)] as [Buffer, Buffer],
  )
  return {
    topic: topic.name,
    partition: 0,
    offset: BigInt(offset),
    key: Buffer.from('k'),
    value: jsonCodec.encode(envelope).value,
    headers: new Map(headerEntries),
    headerEntries,
    timestamp: BigInt(Date.now()),
    leaderEpoch: 0,
    metadata: {},
  } as unknown as FetchedRecord
}

/** A batch handler's intake, records dispatched as the runner does (one lane per partition). */
function harness(handler: (events: readonly unknown[]) => void | Promise<void>, maxSize: number) {
  const router = new Router(createCatalog([Event]))
  router.add(
    Event,
    () => undefined,
    {},
    { spec: { maxSize, maxWaitMs: 60_000, by: 'partition', onFailure: 'split' }, handler },
  )
  return batchIntake(testPipeline(router), topic.name)
}

test('a batch whose handler returns without a promise gives its records back before the next record is read', () => {
  const calls: number[] = []
  const { pool, dispatch, partition } = harness((events) => {
    calls.push(events.length)
  }, 3)
  dispatch(fetched(0))
  dispatch(fetched(1))
  assert.equal(pool.inFlight, 2, 'records waiting in the open batch count as in flight')
  dispatch(fetched(2))
  assert.deepEqual(calls, [3])
  assert.equal(pool.inFlight, 0, 'the full batch ran and released its records within the dispatch')
  assert.equal(partition().offsets.pending, 0, 'its offsets are done')
})

test('a batch whose handler returns a promise releases its records once the promise settles', async () => {
  let finish: (() => void) | undefined
  const { pool, dispatch, partition } = harness(() => new Promise<void>((resolve) => (finish = resolve)), 2)
  dispatch(fetched(0))
  dispatch(fetched(1))
  assert.ok(finish, 'the handler was called')
  assert.equal(pool.inFlight, 3, 'two records and the running batch are held while the handler runs')
  finish()
  await pool.idle()
  assert.equal(pool.inFlight, 0)
  assert.equal(partition().offsets.pending, 0)
})

/**
 * A group member over records held in memory, delivering them as the wire member does: read()
 * returns the next one until none is left. Only what the runner's read loop uses is real.
 */
function memoryMember(records: FetchedRecord[]): GroupMember {
  let events: MemberEvents | undefined
  return {
    join(e) {
      events = e
      e.assigned({ generation: 1, added: [{ topic: topic.name, partition: 0 }], revoked: [] })
      return Promise.resolve()
    },
    read: () => records.shift() ?? null,
    generationOf: () => 1,
    pause: () => undefined,
    resume: () => undefined,
    seek: () => undefined,
    commit: () => Promise.resolve('committed'),
    restartFetch: () => Promise.resolve(),
    close: () => {
      events = undefined
      return Promise.resolve()
    },
    get generation() {
      return events ? 1 : -1
    },
    connected: true,
    lastHeartbeat: null,
    offsets: undefined,
  }
}

test('a batch whose handler returns a promise ends the read stretch: only the open batches are held meanwhile', async () => {
  const maxSize = 10
  const total = 200
  const held: number[] = []
  const inFlight = { now: () => 0 }
  let handled = 0
  const router = new Router(createCatalog([Event]))
  router.add(
    Event,
    () => undefined,
    {},
    {
      spec: { maxSize, maxWaitMs: 60_000, by: 'partition', onFailure: 'split' },
      // A bulk sink's handler: async, settling without waiting for I/O.
      handler: (events) => {
        held.push(inFlight.now())
        handled += events.length
        return Promise.resolve()
      },
    },
  )
  const pipeline = testPipeline(router)
  const records = Array.from({ length: total }, (_, i) => fetched(i))
  const runner = new GroupRunner({
    group: 'test',
    member: {} as MemberOptions,
    createMember: () => memoryMember(records),
    pipeline,
    logger: silentLogger(),
    clock: systemClock,
    concurrency: 10,
    maxInFlight: 1000,
    ordering: 'key',
    commitIntervalMs: 60_000,
    sessionTimeoutMs: 10_000,
    hooks: {},
    facts: (record, headers) => sourceFacts(record, headers, 'test'),
    batchTopics: new Set([topic.name]),
    lagIntervalMs: 0,
  })
  inFlight.now = () => runner.pool.inFlight
  await runner.start()
  const deadline = Date.now() + 10_000
  while (handled < total && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve))
  await runner.stop(Date.now() + 1000, Date.now() + 2000)
  assert.equal(handled, total, 'every record was handled')
  // Held when a handler runs: its own batch (its records and the batch job) and the next open one.
  const most = Math.max(...held)
  assert.ok(most <= 2 * maxSize + 1, `at most ${2 * maxSize + 1} records held while a batch ran, saw ${most}`)
})
