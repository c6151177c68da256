// The consumer's defaults are the ones docs/consumer.md#options lists, and the memory budget behaves
// as docs/consumer.md#memory-and-fairness says (no broker needed).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveConsumerOptions, type ConsumerOptions } from '../../src/consumer/options.ts'
import { WorkerPool, type Job, type LaneOwner } from '../../src/consumer/pool.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { happenedEvent } from './fixtures/happened.ts'

const { catalog } = happenedEvent('defaults.v1')
const base: ConsumerOptions = { client: { brokers: ['127.0.0.1:1'] }, catalog, service: 'defaults-svc' }

test('the defaults are those of the options table in docs/consumer.md', () => {
  const o = resolveConsumerOptions(base)
  assert.equal(o.group, 'defaults-svc-group')
  assert.equal(o.concurrency, 10)
  assert.equal(o.ordering, 'key')
  assert.equal(o.maxInFlight, 1000)
  assert.deepEqual(o.retry, { maxAttempts: 3, initialBackoffMs: 200, multiplier: 2, maxBackoffMs: 30_000 })
  assert.equal(o.handlerTimeoutMs, 30_000)
  assert.deepEqual(o.retryTopicsMs, [])
  assert.equal(o.provisionRetryTopics, true)
  assert.equal(o.onUnknownType, 'skip')
  assert.equal(o.onUnhandled, 'skip')
  assert.equal(o.autoOffsetReset, 'earliest')
  assert.equal(o.commitIntervalMs, 1000)
  assert.equal(o.sessionTimeoutMs, 30_000)
  assert.equal(o.heartbeatIntervalMs, 10_000)
  assert.equal(o.rebalanceTimeoutMs, 60_000)
  assert.equal(o.maxPollRecords, 100)
  assert.equal(o.fetchMinBytes, 1)
  assert.equal(o.fetchMaxBytes, 1024 * 1024)
  assert.equal(o.fetchMaxBytesPerPartition, 256 * 1024)
  assert.equal(o.fetchMaxWaitMs, 500)
  assert.equal(o.shutdownTimeoutMs, 30_000)
  assert.equal(o.startTimeoutMs, 70_000, 'rebalanceTimeout + 10 s')
  assert.equal(o.rebalanceProtocol, 'eager')
  assert.equal(o.decode, 'tolerant')
  assert.equal(o.telemetry, true)
  assert.equal(o.lagIntervalMs, 15_000)
  assert.equal(o.isolation, 'read_committed')
  assert.equal(o.transactional, undefined, 'not transactional')
})

test('startTimeout follows rebalanceTimeout; lagInterval false turns lag measurement off', () => {
  assert.equal(resolveConsumerOptions({ ...base, rebalanceTimeout: '2m' }).startTimeoutMs, 130_000)
  assert.equal(resolveConsumerOptions({ ...base, lagInterval: false }).lagIntervalMs, 0)
})

test('transactional defaults: a 60 s timeout that must exceed commitInterval, 1 MiB records', () => {
  const tx = resolveConsumerOptions({ ...base, transactional: true }).transactional
  assert.equal(tx?.timeoutMs, 60_000)
  assert.equal(tx.maxRecordBytes, 1024 * 1024)
  assert.throws(
    () => resolveConsumerOptions({ ...base, transactional: { timeout: '1s' }, commitInterval: '2s' }),
    (e) => KafkitError.is(e) && e.code === ErrorCodes.CONFIG_INVALID && /transactional\.timeout/.test(e.message),
  )
})

test('maxInFlight defaults to 4 × concurrency, at least 1,000', () => {
  assert.equal(resolveConsumerOptions({ ...base, concurrency: 100 }).maxInFlight, 1000)
  assert.equal(resolveConsumerOptions({ ...base, concurrency: 250 }).maxInFlight, 1000)
  assert.equal(resolveConsumerOptions({ ...base, concurrency: 251 }).maxInFlight, 1004)
  assert.equal(resolveConsumerOptions({ ...base, concurrency: 1000 }).maxInFlight, 4000)
  assert.equal(resolveConsumerOptions({ ...base, concurrency: 1000, maxInFlight: 50 }).maxInFlight, 50, 'as given')
})

const noOwner: LaneOwner = { stalled() {} }

/** A job that runs until released, on a lane of its own. */
function held(lane: string): Job & { release: () => void } {
  let release = () => {}
  const done = new Promise<void>((resolve) => (release = resolve))
  return {
    lane,
    owner: noOwner,
    interrupt() {},
    async step() {
      await done
      return undefined
    },
    abandon() {},
    release: () => release(),
  }
}

test('an explicit maxInFlight below concurrency is raised to it: the pool holds concurrency records', async () => {
  const pool = new WorkerPool({ concurrency: 8, maxInFlight: 2 })
  const jobs = Array.from({ length: 8 }, (_, i) => held(`k${i}`))
  const accepted = jobs.map((j) => pool.submit(j))
  assert.deepEqual(accepted, [...Array<boolean>(7).fill(true), false], 'full at 8, not at 2')
  assert.equal(pool.active, 8, 'every worker busy')
  for (const j of jobs) j.release()
  await pool.idle()
})

test('reading resumes at 75 % of maxInFlight: capacity is signalled once no more than 75 % are held', async () => {
  let resumedAt: number | undefined
  const pool = new WorkerPool({
    concurrency: 8,
    maxInFlight: 8,
    onCapacity: () => (resumedAt ??= pool.inFlight),
  })
  const jobs = Array.from({ length: 8 }, (_, i) => held(`k${i}`))
  for (const j of jobs) pool.submit(j)
  assert.equal(pool.full, true)
  for (const j of jobs) {
    j.release()
    // Each job settles in its own turn, so the count the signal sees is exact.
    await new Promise((resolve) => setImmediate(resolve))
    if (resumedAt !== undefined) break
  }
  assert.equal(resumedAt, 6, 'resumed with 6 of 8 held (75 %), not before')
  for (const j of jobs) j.release()
  await pool.idle()
})
