// The status rules of the health reports, for the states a broker test cannot cause on demand
// (stalled heartbeats, failing commits, a member reconnecting, a full buffer).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { worstStatus } from '../../src/observability/health.ts'
import { consumerHealth, producerHealth, type RunnerHealth } from '../../src/observability/health.ts'

const runner = (over: Partial<RunnerHealth> = {}): RunnerHealth => ({
  group: 'g',
  running: true,
  connected: true,
  assigned: [{ topic: 't', partition: 0 }],
  inFlight: 0,
  lag: { total: 5, partitions: [{ topic: 't', partition: 0, lag: 5 }], measuredAt: new Date() },
  lastCommitAt: new Date(),
  commitFailing: false,
  lastHeartbeat: new Date(),
  heartbeatStalled: false,
  restarts: 0,
  generation: 1,
  ...over,
})

test('consumer: down when not running or reconnecting; degraded on stalls, failing commits, lag over the bound', () => {
  assert.equal(consumerHealth('g', 'running', [runner()]).status, 'ok')
  assert.equal(consumerHealth('g', 'running', [runner({ assigned: [] })]).status, 'ok', 'idle member')
  const stopped = consumerHealth('g', 'stopped', [runner()])
  assert.deepEqual([stopped.status, stopped.reasons], ['down', ['the consumer is stopped']])
  const reconnecting = consumerHealth('g', 'running', [runner({ connected: false, restarts: 2 })])
  assert.equal(reconnecting.status, 'down')
  assert.match(reconnecting.reasons[0]!, /not connected .*2 restart/)
  assert.equal(consumerHealth('g', 'running', [runner({ heartbeatStalled: true })]).status, 'degraded')
  assert.equal(consumerHealth('g', 'running', [runner({ commitFailing: true })]).status, 'degraded')
  assert.equal(consumerHealth('g', 'running', [runner()], { maxLag: 5 }).status, 'ok')
  const lagging = consumerHealth('g', 'running', [runner(), runner({ group: 'g.retry-5s' })], { maxLag: 4 })
  assert.equal(lagging.status, 'degraded')
  assert.equal(lagging.reasons.length, 2, 'each member over the bound is named')
  // down wins over degraded
  assert.equal(consumerHealth('g', 'running', [runner({ connected: false, heartbeatStalled: true })]).status, 'down')
})

test('producer: down when closed; degraded on a nearly full buffer or a delivery failure not followed by a success', () => {
  const base = {
    closed: false,
    outstanding: 0,
    asyncOutstanding: 0,
    maxBufferedRecords: 100,
    lastDelivery: 1000,
    lastFailure: undefined,
  }
  assert.equal(producerHealth(base).status, 'ok')
  assert.equal(producerHealth({ ...base, closed: true }).status, 'down')
  assert.equal(producerHealth({ ...base, asyncOutstanding: 80 }).status, 'degraded')
  const timedOut = producerHealth({ ...base, lastFailure: { code: 'KAFKIT_PUBLISH_TIMEOUT', at: 2000 } })
  assert.equal(timedOut.status, 'degraded')
  assert.deepEqual(timedOut.lastFailure, { code: 'KAFKIT_PUBLISH_TIMEOUT', at: new Date(2000) })
  assert.equal(
    producerHealth({ ...base, lastFailure: { code: 'KAFKIT_PUBLISH_TIMEOUT', at: 500 } }).status,
    'ok',
    'a success since',
  )
  assert.equal(
    producerHealth({ ...base, lastFailure: { code: 'KAFKIT_PAYLOAD_INVALID', at: 2000 } }).status,
    'ok',
    "an invalid event is the caller's problem",
  )
})

test('the worst status wins', () => {
  assert.equal(worstStatus([]), 'ok')
  assert.equal(worstStatus(['ok', 'degraded', 'ok']), 'degraded')
  assert.equal(worstStatus(['degraded', 'down']), 'down')
})
