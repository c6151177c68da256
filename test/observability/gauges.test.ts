// Gauges of partitions a member no longer owns, and of stopped members, fall to 0 instead of keeping
// their last value (which the OpenTelemetry JS SDK would otherwise export forever).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Metrics } from 'kafkit'
import { observeRunner } from '../../src/observability/api.ts'
import { installOtel } from './otel.ts'

const otel = installOtel()

test('a revoked partition reports lag 0, a stopped member reports nothing held', async () => {
  let lag = [
    { topic: 't', partition: 0, lag: 5 },
    { topic: 't', partition: 1, lag: 3 },
  ]
  const group = { 'messaging.consumer.group.name': 'gauges-group' }
  const stop = observeRunner({
    group: 'gauges-group',
    inFlight: () => 4,
    assignedCount: () => lag.length,
    lag: () => lag,
  })
  assert.equal(await otel.sum(Metrics.lag, group), 8)
  assert.equal(await otel.sum(Metrics.assigned, group), 2)

  lag = [{ topic: 't', partition: 0, lag: 2 }] // partition 1 moved to another member
  assert.equal(await otel.sum(Metrics.lag, { ...group, 'messaging.destination.partition.id': '1' }), 0)
  assert.equal(await otel.sum(Metrics.lag, group), 2)

  stop()
  assert.equal(await otel.sum(Metrics.lag, group), 0)
  assert.equal(await otel.sum(Metrics.assigned, group), 0)
  assert.equal(await otel.sum(Metrics.inFlight, group), 0)
})
