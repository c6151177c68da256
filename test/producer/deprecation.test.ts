// Publishing a deprecated event version: one warning per version and producer, a metric per publish.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { Metrics } from 'kafkit'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { createTopic } from '../support/kafka.ts'
import { installOtel } from '../observability/otel.ts'
import { recordingLogger, testProducer } from './support.ts'

const otel = installOtel()

test('a deprecated version logs one warning with its window and counts every publish', async (t) => {
  const topic = await createTopic(t, 'deprecated')
  const users = defineTopic({ name: topic, key: 'user_id', partitions: 1 })
  const schema = z.object({ user_id: z.string() })
  const Old = defineEvent({
    type: 'user.registered',
    version: '1.0',
    topic: users,
    schema,
    deprecated: { since: '2026-05-01', note: 'publish v2.0' },
  })
  const Current = defineEvent({ type: 'user.verified', version: '1.0', topic: users, schema })
  const logger = recordingLogger()
  const producer = testProducer(t, { logger })

  for (let i = 0; i < 3; i++) await producer.publish(Old, { user_id: `u-${i}` })
  await producer.publish(Current, { user_id: 'u-9' })

  const warnings = logger.lines.filter((l) => l.level === 'warn')
  assert.equal(warnings.length, 1, 'one warning, not one per publish')
  assert.equal(
    warnings[0]!.msg,
    'user.registered v1.0 is deprecated since 2026-05-01; its 30-day window ends on 2026-05-31, stop publishing it before then: publish v2.0',
  )
  assert.deepEqual(warnings[0]!.obj, {
    eventType: 'user.registered',
    eventVersion: '1.0',
    deprecatedSince: '2026-05-01',
    windowEnds: '2026-05-31',
  })
  assert.equal(await otel.sum(Metrics.publishDeprecated, { 'kafkit.event.type': 'user.registered' }), 3)
  assert.equal(await otel.sum(Metrics.publishDeprecated, { 'kafkit.event.version': '1.0' }), 3)
  assert.equal(await otel.sum(Metrics.publishDeprecated, { 'kafkit.event.type': 'user.verified' }), 0)

  // Another producer warns again: the warning is per producer (per service process).
  const other = recordingLogger()
  await testProducer(t, { logger: other }).publish(Old, { user_id: 'u-5' })
  assert.equal(other.lines.filter((l) => l.level === 'warn').length, 1)
})
