// kafkit's per-record consumer cost without the network: the real RecordJob, WorkerPool and offset
// tracker over records held in memory (as the wire client delivers them), with a no-op handler.
// node --conditions=kafkit-source bench/micro/consumer-pipeline.ts [--records=200000] [--sync]
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, silentLogger } from 'kafkit'
import { RecordHeaders } from '../../src/consumer/headers.ts'
import { RecordJob, sourceFacts, type RecordOwner, type WireMessage } from '../../src/consumer/job.ts'
import { PartitionOffsets } from '../../src/consumer/offsets.ts'
import type { PipelineDeps } from '../../src/consumer/pipeline.ts'
import { WorkerPool } from '../../src/consumer/pool.ts'
import { DEFAULT_RETRY } from '../../src/consumer/retry.ts'
import { Router } from '../../src/consumer/router.ts'
import { CodecRegistry, createEnvelope, envelopeHeaders, jsonCodec } from '../../src/envelope/index.ts'

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const RECORDS = arg('records', 200_000)
const sync = process.argv.includes('--sync')

const topic = defineTopic({ name: 'micro.v1', key: 'id' })
const Event = defineEvent({
  type: 'micro.happened',
  version: '1.0',
  topic,
  schema: z.object({ id: z.string(), n: z.number(), note: z.string() }),
})
const router = new Router(createCatalog([Event]))
// An async no-op handler returns an already settled promise, as most real handlers do when awaited.
router.add(Event, sync ? () => undefined : () => Promise.resolve())
const deps: PipelineDeps = {
  registry: new CodecRegistry(),
  router,
  logger: silentLogger(),
  publisher: undefined,
  onUnknownType: 'skip',
  onUnhandled: 'skip',
  handlerTimeoutMs: 30_000,
  retryPolicy: () => DEFAULT_RETRY,
  handlerFor: (route) => route.handler,
  priorAttempts: () => 0,
  escalate: () => Promise.reject(new Error('no failures expected')),
  stopping: () => false,
  active: new Set(),
  observer: {},
  telemetry: undefined,
}

function messages(count: number): WireMessage[] {
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
    } as unknown as WireMessage
  })
}

async function run(batch: WireMessage[]): Promise<number> {
  const offsets = [new PartitionOffsets(0), new PartitionOffsets(0), new PartitionOffsets(0)]
  const owner: RecordOwner = { owns: () => true }
  let resume: (() => void) | undefined
  const pool = new WorkerPool({ concurrency: 10, maxInFlight: 1000, onCapacity: () => resume?.() })
  const started = performance.now()
  for (const message of batch) {
    const tracker = offsets[message.partition]!
    tracker.dispatched(message.offset, 0)
    const headers = new RecordHeaders(message.headerEntries)
    const facts = sourceFacts(message, headers, 'micro')
    const lane = `${message.topic}|${message.partition}|${message.key.toString('latin1')}`
    if (!pool.submit(new RecordJob(deps, message, headers, facts, lane, tracker, owner))) {
      await new Promise<void>((resolve) => (resume = resolve))
    }
  }
  await pool.idle()
  return ((performance.now() - started) * 1000) / batch.length
}

const batch = messages(RECORDS)
await run(batch.slice(0, 20_000)) // warm-up
const results: number[] = []
for (let i = 0; i < 5; i++) results.push(await run(batch))
results.sort((a, b) => a - b)
console.log(
  `${sync ? 'sync' : 'async'} handler: ${results[2]!.toFixed(2)} µs per record (median of 5 runs of ${RECORDS}; min ${results[0]!.toFixed(2)})`,
)
