// A record's process span ends exactly once on every path, including the ones a broker test cannot
// trigger on demand: revocation mid-attempt, a job dropped while waiting to retry, a DLQ write that
// fails before it succeeds. Drives RecordJob directly, with a pipeline whose escalation is a stub.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SpanStatusCode } from '@opentelemetry/api'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, ErrorCodes, KafkitError } from 'kafkit'
import { RecordJob } from '../../src/consumer/job.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Assignment } from '../../src/consumer/partitions.ts'
import { BASE_RETRY } from '../../src/consumer/retry.ts'
import { Router } from '../../src/consumer/router.ts'
import type { Handler } from '../../src/consumer/types.ts'
import { createEnvelope, jsonCodec } from '../../src/envelope/index.ts'
import { ConsumerTelemetry, type Escalated } from '../../src/observability/consumer.ts'
import { systemClock } from '../../src/util/clock.ts'
import { installOtel } from './otel.ts'
import { testPipeline } from '../support/pipeline.ts'

const otel = installOtel()
const topic = defineTopic({ name: 'spans.v1', key: 'id' })
const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })

function setup(
  handler: Handler,
  escalate: () => Promise<Escalated> = () => Promise.resolve({ to: 'dlq', topic: 'x' }),
) {
  const router = new Router(createCatalog([Ping]))
  router.add(Ping, handler, {})
  const pipeline = testPipeline(router, {
    handlerTimeoutMs: undefined,
    retry: { ...BASE_RETRY, initialBackoffMs: 1 },
    escalate,
    telemetry: new ConsumerTelemetry('spans-group'),
  })
  const envelope = createEnvelope({ type: 'ping.sent', version: '1.0', source: 't', payload: { id: 'p' } })
  const record: FetchedRecord = {
    topic: topic.name,
    partition: 0,
    offset: 7n,
    key: Buffer.from('p'),
    value: jsonCodec.encode(envelope).value,
    headerEntries: [],
    timestamp: BigInt(Date.now()),
    leaderEpoch: 0,
  }
  const facts = {
    topic: topic.name,
    partition: 0,
    offset: 7n,
    key: 'p',
    timestamp: new Date(),
    headers: new Map<string, string>(),
    group: 'spans-group',
    tier: -1,
  }
  const assignment = new Assignment({ pause: () => undefined, resume: () => undefined }, systemClock, 100)
  const [partition] = assignment.add([{ topic: topic.name, partition: 0 }], 1)
  partition!.offsets.dispatched(7n, 0)
  const state = {
    revoke: () => assignment.revokeAll(),
    /** 1 once the record is done for the offset tracker. */
    get done() {
      return partition!.offsets.pending === 0 ? 1 : 0
    },
  }
  const job = new RecordJob(pipeline, { stopping: false }, record, new Map(), facts, 'lane', partition!)
  return { job, state, envelope }
}

async function spansOf(eventId: string) {
  await otel.flush()
  return otel.finished().filter((s) => s.attributes['messaging.message.id'] === eventId)
}

const retryable = () => new KafkitError(ErrorCodes.HANDLER_FAILED, 'try again', { retryable: true })

test('a partition revoked during a failed attempt: the span ends once, abandoned, and the record is not done', async () => {
  const box: { state?: { revoke(): void } } = {}
  const s = setup(() => {
    box.state!.revoke()
    throw retryable()
  })
  box.state = s.state
  assert.equal(await s.job.step(), 'abandoned')
  s.job.abandon() // the pool may still drop it: nothing more happens
  const [span, ...rest] = await spansOf(s.envelope.id)
  assert.equal(rest.length, 0)
  assert.equal(span!.attributes['kafkit.outcome'], 'abandoned')
  assert.equal(span!.status.code, SpanStatusCode.UNSET)
  assert.ok(span!.events.some((e) => e.name === 'kafkit.abandoned'))
  assert.equal(s.state.done, 0)
})

test('a job dropped while waiting to retry ends its span once', async () => {
  const s = setup(() => {
    throw retryable()
  })
  const delay = await s.job.step()
  assert.equal(typeof delay, 'number')
  s.job.abandon()
  s.job.abandon()
  const spans = await spansOf(s.envelope.id)
  assert.equal(spans.length, 1)
  assert.equal(spans[0]!.attributes['kafkit.outcome'], 'abandoned')
  assert.equal(spans[0]!.events.filter((e) => e.name === 'kafkit.retry').length, 1)
})

test('a DLQ write that fails, then succeeds: one span, the failure as an event, error status', async () => {
  let writes = 0
  const s = setup(
    () => {
      throw new KafkitError(ErrorCodes.NON_RETRYABLE, 'bad')
    },
    () => (++writes === 1 ? Promise.reject(new Error('broker away')) : Promise.resolve({ to: 'dlq', topic: 'x.dlq' })),
  )
  assert.equal(typeof (await s.job.step()), 'number', 'the write is retried later')
  assert.equal((await spansOf(s.envelope.id)).length, 0, 'the span is still open')
  assert.equal(await s.job.step(), undefined)
  const spans = await spansOf(s.envelope.id)
  assert.equal(spans.length, 1)
  const [span] = spans
  assert.equal(span!.status.code, SpanStatusCode.ERROR)
  assert.equal(span!.attributes['kafkit.outcome'], 'dead_lettered')
  assert.deepEqual(
    span!.events.map((e) => e.name),
    ['exception', 'kafkit.escalation_failed', 'kafkit.dead_letter'],
  )
  assert.equal(s.state.done, 1)
})
