// A batch whose handler returns without a promise is finished within the pool step that runs it:
// its records are given back to the pool before the runner reads the next record, so a consumer
// never holds more records than its open batches (held records outlive young-generation
// collections, which is what made the batch path cost more per record than the per-record one).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { Batcher } from '../../src/consumer/batch.ts'
import { RecordHeaders } from '../../src/consumer/headers.ts'
import { RecordJob } from '../../src/consumer/job.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Assignment } from '../../src/consumer/partitions.ts'
import { Pipeline } from '../../src/consumer/pipeline.ts'
import { WorkerPool } from '../../src/consumer/pool.ts'
import { BASE_RETRY } from '../../src/consumer/retry.ts'
import { Router } from '../../src/consumer/router.ts'
import { sourceFacts } from '../../src/consumer/tiers.ts'
import { CodecRegistry, createEnvelope, envelopeHeaders, jsonCodec } from '../../src/envelope/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { systemClock } from '../../src/util/clock.ts'

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

/** A pool, a batcher and a way to dispatch records as the runner does (one lane per partition). */
function harness(handler: (events: readonly unknown[]) => void | Promise<void>, maxSize: number) {
  const router = new Router(createCatalog([Event]))
  router.add(
    Event,
    () => undefined,
    {},
    { spec: { maxSize, maxWaitMs: 60_000, by: 'partition', onFailure: 'split' }, handler },
  )
  const pipeline = new Pipeline({
    registry: new CodecRegistry(),
    framed: undefined,
    reading: {},
    router,
    middleware: [],
    logger: silentLogger(),
    publisher: undefined,
    onUnknownType: 'skip',
    onUnhandled: 'skip',
    handlerTimeoutMs: 30_000,
    retry: BASE_RETRY,
    escalate: () => Promise.reject(new Error('no failures expected')),
    clock: systemClock,
    telemetry: undefined,
  })
  const assignment = new Assignment({ pause: () => undefined, resume: () => undefined }, systemClock, 1000)
  assignment.add([{ topic: topic.name, partition: 0 }], 1)
  const pool = new WorkerPool({ concurrency: 10, maxInFlight: 1000 })
  const runner: { stopping: boolean; batches?: Batcher } = { stopping: false }
  runner.batches = new Batcher(pool, pipeline, runner, systemClock, 1000)
  const dispatch = (record: FetchedRecord) => {
    const headers = new RecordHeaders(record.headerEntries)
    const partition = assignment.admit(record, 1, undefined)!
    partition.offsets.dispatched(record.offset, 0)
    const facts = sourceFacts(record, headers, 'test')
    pool.submit(new RecordJob(pipeline, runner, record, headers, facts, `${partition.epoch}`, partition))
  }
  return { pool, dispatch, partition: () => assignment.get(topic.name, 0)! }
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
