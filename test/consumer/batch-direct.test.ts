// Records of a batch topic are taken straight into their batch (no job per record) when they can be;
// a record that needs a job of its own (here: one upcast from an older version, asynchronously) must
// not be overtaken by the records of its partition read after it. Offline: the runner's admit stage
// as the micro-benchmark drives it, over records held in memory.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, type AnyEvent } from '../../src/catalog/index.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Router } from '../../src/consumer/router.ts'
import type { BatchHandler, BatchRecord, HandlerOptions } from '../../src/consumer/types.ts'
import {
  CodecRegistry,
  createEnvelope,
  envelopeHeaders,
  jsonCodec,
  type EnvelopeCodec,
} from '../../src/envelope/index.ts'
import { batchIntake } from '../support/batcher.ts'
import { testPipeline } from '../support/pipeline.ts'

const topic = defineTopic({ name: 'direct.v1', key: 'id' })
const V1 = defineEvent({ type: 'direct.happened', version: '1.0', topic, schema: z.object({ id: z.string() }) })
const V2 = defineEvent({
  type: 'direct.happened',
  version: '2.0',
  topic,
  schema: z.object({ id: z.string(), n: z.number() }),
  upcast: { from: V1, up: (p) => ({ ...p, n: -1 }) },
})

function fetched(offset: number, version: '1.0' | '2.0'): FetchedRecord {
  const payload = version === '1.0' ? { id: `r${offset}` } : { id: `r${offset}`, n: offset }
  const envelope = createEnvelope({ type: 'direct.happened', version, source: 'test', payload })
  const headerEntries = Object.entries(envelopeHeaders(envelope, jsonCodec.contentType)).map(
    ([k, v]) => [Buffer.from(k), Buffer.from(v)] as [Buffer, Buffer],
  )
  return {
    topic: topic.name,
    partition: 0,
    offset: BigInt(offset),
    key: Buffer.from('k'),
    value: jsonCodec.encode(envelope).value,
    headerEntries,
    timestamp: BigInt(Date.now()),
    leaderEpoch: 0,
  }
}

/** Routes `event` to `handler` in batches of up to `maxSize` (closed by size only), split on failure. */
function routeBatches(
  router: Router,
  event: AnyEvent,
  maxSize: number,
  handler: BatchHandler,
  options: HandlerOptions = {},
): void {
  router.add(event, () => undefined, options, {
    spec: { maxSize, maxWaitMs: 60_000, by: 'partition', onFailure: 'split' },
    handler,
  })
}

test('a record that needs its own job joins its batch before the records read after it', async () => {
  const batches: { ids: string[]; records: readonly BatchRecord[] }[] = []
  const router = new Router(createCatalog([V1, V2]))
  routeBatches(router, V2, 4, (events, ctx) => {
    batches.push({ ids: events.map((e) => (e.payload as { id: string }).id), records: ctx.records })
  })
  const { pool, dispatch, partition } = batchIntake(testPipeline(router), topic.name)
  for (const record of [fetched(0, '2.0'), fetched(1, '1.0'), fetched(2, '2.0'), fetched(3, '2.0')]) dispatch(record)
  await pool.idle()
  assert.deepEqual(
    batches.map((b) => b.ids),
    [['r0', 'r1', 'r2', 'r3']],
    'one batch, in offset order',
  )
  assert.deepEqual(
    batches[0]!.records.map((r) => [r.topic, r.partition, r.offset, r.key]),
    [0n, 1n, 2n, 3n].map((offset) => [topic.name, 0, offset, 'k']),
    'ctx.records describes each record, taken directly or through its job',
  )
  assert.equal(partition().offsets.pending, 0, 'every offset is done')
})

test('a record whose upcast fails is dead-lettered through its job, and nothing else rejects', async () => {
  const Bad = defineEvent({
    type: 'direct.happened',
    version: '2.0',
    topic,
    schema: z.object({ id: z.string(), n: z.number() }),
    upcast: {
      from: V1,
      up: () => {
        throw new Error('cannot upcast')
      },
    },
  })
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const router = new Router(createCatalog([V1, Bad]))
    const handled: string[] = []
    routeBatches(
      router,
      Bad,
      2,
      (events) => {
        handled.push(...events.map((e) => (e.payload as { id: string }).id))
      },
      { retry: { maxAttempts: 1 } },
    )
    const escalated: string[] = []
    const pipeline = testPipeline(router, {
      escalate: (failure) => {
        escalated.push(`${failure.record.offset}: ${(failure.error as { code?: string }).code}`)
        return Promise.resolve({ to: 'dlq' as const, topic: 'direct.v1.dlq' })
      },
    })
    const { pool, dispatch, partition } = batchIntake(pipeline, topic.name)
    for (const record of [fetched(0, '1.0'), fetched(1, '2.0'), fetched(2, '2.0')]) dispatch(record)
    await pool.idle()
    // A rejection is reported after the microtasks of the turn it happened in.
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(escalated, ['0: KAFKIT_UPCAST_FAILED'], 'the record that cannot be upcast is written away')
    assert.deepEqual(handled, ['r1', 'r2'], 'the others are handled in one batch')
    assert.deepEqual(unhandled, [], 'no promise was left to reject unhandled')
    assert.equal(partition().offsets.pending, 0, 'every offset is done')
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})

test("an envelope an application's codec hands out is not changed when its record joins a batch", async () => {
  const kept = new Map<string, unknown>()
  // A codec that keeps what it decoded (a cache), frozen: the batch must not write into it.
  const caching: EnvelopeCodec = {
    name: 'caching',
    contentType: 'application/json',
    encode: (envelope) => jsonCodec.encode(envelope),
    decode: (value) => {
      const text = value.toString()
      if (!kept.has(text)) kept.set(text, Object.freeze(JSON.parse(text) as object))
      return kept.get(text)
    },
    matches: () => true,
  }
  const router = new Router(createCatalog([V1, V2]))
  const seen: unknown[] = []
  routeBatches(router, V2, 2, (events) => {
    seen.push(...events)
  })
  const { pool, dispatch } = batchIntake(testPipeline(router, { registry: new CodecRegistry([caching]) }), topic.name)
  for (const record of [fetched(0, '2.0'), fetched(1, '2.0')]) assert.equal(dispatch(record), true, 'taken directly')
  await pool.idle()
  assert.equal(seen.length, 2)
  for (const [i, event] of seen.entries()) {
    assert.deepEqual((event as { payload: unknown }).payload, { id: `r${i}`, n: i })
    assert.ok(![...kept.values()].includes(event), 'the handler gets a copy, not the codec’s object')
  }
})

test('an asynchronous payload validator is asked once per record of a batch topic, after the first record', async () => {
  let validations = 0
  // A Standard Schema whose validator always answers asynchronously (a lookup, say).
  const checked: StandardSchemaV1<{ id: string; n: number }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => {
        validations++
        return Promise.resolve({ value: value as { id: string; n: number } })
      },
    },
  }
  const Async = defineEvent({ type: 'direct.happened', version: '2.0', topic, schema: checked })
  const router = new Router(createCatalog([Async]))
  const handled: string[] = []
  routeBatches(router, Async, 5, (events) => {
    handled.push(...events.map((e) => (e.payload as { id: string }).id))
  })
  const { pool, dispatch } = batchIntake(testPipeline(router), topic.name)
  for (let offset = 0; offset < 5; offset++) assert.equal(dispatch(fetched(offset, '2.0')), false, 'through its job')
  await pool.idle()
  assert.deepEqual(handled, ['r0', 'r1', 'r2', 'r3', 'r4'])
  // The direct path learns from the first record that the validator answers later (it cannot know
  // before asking); that record's job asks again. The others go straight to their jobs.
  assert.equal(validations, 6, 'one validation per record, and one more for the first')
})
