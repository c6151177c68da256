// kafkit's per-record consumer cost without the network: the real admit stage, RecordJob, Pipeline,
// WorkerPool and offset tracking over records held in memory (as a group member delivers them),
// with a no-op handler.
// node --conditions=kafkit-source bench/micro/consumer-pipeline.ts [--records=200000] [--sync | --batch [--batch-size=100] [--via-jobs]]
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, silentLogger } from 'kafkit'
import { RecordHeaders } from '../../src/consumer/headers.ts'
import { Batcher } from '../../src/consumer/batch.ts'
import { RecordJob } from '../../src/consumer/job.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Assignment } from '../../src/consumer/partitions.ts'
import { Pipeline } from '../../src/consumer/pipeline.ts'
import { WorkerPool } from '../../src/consumer/pool.ts'
import { BASE_RETRY } from '../../src/consumer/retry.ts'
import { Router } from '../../src/consumer/router.ts'
import { sourceFacts } from '../../src/consumer/tiers.ts'
import { CodecRegistry, createEnvelope, envelopeHeaders, jsonCodec } from '../../src/envelope/index.ts'
import { systemClock } from '../../src/util/clock.ts'
import { arg } from './common.ts'

const RECORDS = arg('records', 200_000)
const sync = process.argv.includes('--sync')
/** A batch handler (onBatch) instead of one handler per record, with the default maxSize (100). */
const batched = process.argv.includes('--batch')
const BATCH_SIZE = arg('batch-size', 100)
/** With --batch: every record through a job of its own (the batch path before records were taken directly). */
const viaJobs = process.argv.includes('--via-jobs')

const topic = defineTopic({ name: 'micro.v1', key: 'id' })
const Event = defineEvent({
  type: 'micro.happened',
  version: '1.0',
  topic,
  schema: z.object({ id: z.string(), n: z.number(), note: z.string() }),
})
const router = new Router(createCatalog([Event]))
// An async no-op handler returns an already settled promise, as most real handlers do when awaited.
if (batched) {
  router.add(
    Event,
    () => undefined,
    {},
    {
      spec: { maxSize: BATCH_SIZE, maxWaitMs: 100, by: 'partition', onFailure: 'split' },
      handler: () => Promise.resolve(),
    },
  )
} else router.add(Event, sync ? () => undefined : () => Promise.resolve())
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
const runner: { stopping: boolean; batches?: Batcher | undefined } = { stopping: false }

function messages(count: number): FetchedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `k${i % 1000}`
    const envelope = createEnvelope({
      type: 'micro.happened',
      version: '1.0',
      source: 'micro',
      payload: { id, n: i, note: 'x'.repeat(900) },
    })
    const headerEntries = Object.entries(envelopeHeaders(envelope, jsonCodec.contentType)).map(([k, v]) => [
      Buffer.from(k),
      Buffer.from(v),
    ])
    return {
      topic: topic.name,
      partition: i % 3,
      offset: BigInt(Math.floor(i / 3)),
      key: Buffer.from(id),
      value: jsonCodec.encode(envelope).value,
      headers: new Map(headerEntries as [Buffer, Buffer][]),
      headerEntries,
      timestamp: BigInt(Date.now()),
      leaderEpoch: 0,
      metadata: {},
    } as unknown as FetchedRecord
  })
}

/** Wall-clock and CPU (user + system) microseconds per record: CPU time holds better on a busy machine. */
async function run(batch: FetchedRecord[]): Promise<{ wall: number; cpu: number }> {
  const control = { pause: () => undefined, resume: () => undefined }
  const assignment = new Assignment(control, systemClock, 1000)
  assignment.add(
    [0, 1, 2].map((partition) => ({ topic: topic.name, partition })),
    1,
  )
  let resume: (() => void) | undefined
  const pool = new WorkerPool({ concurrency: 10, maxInFlight: 1000, onCapacity: () => resume?.() })
  const batches = batched
    ? new Batcher(pool, pipeline, runner, systemClock, 1000, {
        facts: (record, headers) => sourceFacts(record, headers, 'micro'),
        direct: !viaJobs,
      })
    : undefined
  runner.batches = batches
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (const record of batch) {
    const headers = new RecordHeaders(record.headerEntries)
    const partition = assignment.admit(record, 1, undefined)!
    partition.offsets.dispatched(record.offset, 0)
    // As the runner admits a record: a batch topic's straight into its batch when it can.
    if (!batches?.take(record, headers, partition)) {
      const facts = sourceFacts(record, headers, 'micro')
      // Batch topics go through one lane per partition (runner.ts), so that batches keep offset order.
      const lane = batched ? `${partition.epoch}` : `${partition.epoch}|${record.key!.toString('latin1')}`
      const job = new RecordJob(pipeline, runner, record, headers, facts, lane, partition)
      pool.submit(batches ? batches.queue(job) : job)
    }
    if (pool.full) {
      batches?.closeAll()
      await new Promise<void>((resolve) => (resume = resolve))
    } else if (batches?.takeClosedUnfinished()) {
      // The runner ends its read stretch here and reads on at the next turn (runner.ts).
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  runner.batches?.closeAll()
  await pool.idle()
  const used = process.cpuUsage(cpu)
  return {
    wall: ((performance.now() - started) * 1000) / batch.length,
    cpu: (used.user + used.system) / batch.length,
  }
}

const batch = messages(RECORDS)
await run(batch.slice(0, 20_000)) // warm-up
const results: { wall: number; cpu: number }[] = []
for (let i = 0; i < 5; i++) results.push(await run(batch))
const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!
const wall = results.map((r) => r.wall)
const cpu = results.map((r) => r.cpu)
console.log(
  `${batched ? `batch (maxSize ${BATCH_SIZE}${viaJobs ? ', via jobs' : ''})` : sync ? 'sync' : 'async'} handler: ${median(wall).toFixed(2)} µs per record, ${median(cpu).toFixed(2)} µs CPU (median of 5 runs of ${RECORDS}; min ${Math.min(...wall).toFixed(2)} / ${Math.min(...cpu).toFixed(2)})`,
)
