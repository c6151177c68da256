// Fills a topic with valid kafkit envelopes (as kafkit's producer writes them: JSON envelope,
// standard headers, key) using the raw wire client, so that consumer runs start from a backlog.
import type { RunContext } from '../lib/context.ts'
import { envelopeRecord, padding, payload, type BuiltRecord } from '../lib/events.ts'
import { rawProducer } from '../lib/kafka.ts'
import { COMMON } from '../lib/settings.ts'

export interface PrefillParams {
  topic: string
  records: number
  keys: number
  /** Build every record (distinct ids and sequence numbers), or cycle through `keys` prebuilt ones. */
  unique: boolean
}

const BATCH = 500
/** Sends queued at once: the wire client pipelines them behind one another on the connection. */
const WINDOW = 4

/** Parent side: prefills in a child process and logs the rate. */
export async function prefill(ctx: RunContext, params: PrefillParams): Promise<void> {
  const started = Date.now()
  await ctx.child('prefill.run', params, { timeoutMs: 900_000 })
  const seconds = (Date.now() - started) / 1000
  ctx.log(`prefilled ${params.records} records into ${params.topic} in ${seconds.toFixed(1)} s`)
}

async function run(params: PrefillParams): Promise<{ records: number }> {
  const note = padding(COMMON.recordBytes)
  const prebuilt = params.unique
    ? []
    : Array.from({ length: params.keys }, (_, i) => envelopeRecord(payload(i, params.keys, note)))
  const record = (i: number): BuiltRecord => prebuilt[i % params.keys] ?? envelopeRecord(payload(i, params.keys, note))
  const producer = rawProducer('bench-prefill')
  const inFlight = new Set<Promise<unknown>>()
  for (let i = 0; i < params.records; i += BATCH) {
    const messages = []
    for (let j = i; j < Math.min(params.records, i + BATCH); j++) messages.push({ topic: params.topic, ...record(j) })
    const sent: Promise<unknown> = producer.send({ messages }).finally(() => inFlight.delete(sent))
    inFlight.add(sent)
    if (inFlight.size >= WINDOW) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  await producer.close()
  return { records: params.records }
}

export const tasks = { run }
