// 6. What a schema-registry codec costs against the JSON codec, per record and without the network:
// the producer's prepare step (validate, envelope, key, encode) and the consumer's decode step
// (decode, envelope validation), 64 records at a time as publishBatch and the worker pool issue them.
// The registry is asked once per schema and then cached: the figures are the steady state.
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { defineEvent, defineTopic, headersToStrings, jsonCodec, validateEnvelope } from 'kafkit'
import { RegistryDecoder, RegistryEncoder, SchemaRegistry, type RegistryCodecName } from 'kafkit/registry'
import { prepareEvent, type Prepared, type PrepareSettings, type PreparedEvent } from '../../src/producer/prepare.ts'
import type { RunContext } from '../lib/context.ts'
import { BENCH_PROTO, BenchPayload, EVENT_TYPE, EVENT_VERSION, padding, payload } from '../lib/events.ts'
import { COMMON } from '../lib/settings.ts'
import { spread, type Spread } from '../lib/stats.ts'

export const CODECS = ['json', 'registry-json', 'registry-avro', 'registry-protobuf'] as const
export type Codec = (typeof CODECS)[number]

export interface CodecParams {
  codec: Codec
  records: number
  registryUrl: string
}

export interface CodecRun {
  encodeUs: number
  decodeUs: number
  valueBytes: number
}

export interface CodecResults {
  records: number
  codecs: Partial<Record<Codec, { encodeUs: Spread; decodeUs: Spread; valueBytes: number }>>
}

/** Parent side: every codec in turn, round after round, each in a child of its own. */
export async function codecScenario(ctx: RunContext, registryUrl: string): Promise<CodecResults> {
  const records = ctx.profile.codec.records
  const runs: Partial<Record<Codec, CodecRun[]>> = {}
  for (let round = 0; round < ctx.profile.repeats; round++) {
    for (const codec of CODECS) {
      const run = await ctx.child<CodecRun>('codec.measure', { codec, records, registryUrl } satisfies CodecParams)
      ;(runs[codec] ??= []).push(run)
      ctx.log(
        `codec round ${round + 1}: ${codec} encode ${run.encodeUs.toFixed(2)} µs, decode ${run.decodeUs.toFixed(2)} µs per record`,
      )
    }
  }
  const codecs: CodecResults['codecs'] = {}
  for (const [codec, list] of Object.entries(runs) as [Codec, CodecRun[]][]) {
    codecs[codec] = {
      encodeUs: spread(list.map((r) => r.encodeUs)),
      decodeUs: spread(list.map((r) => r.decodeUs)),
      valueBytes: list[0]!.valueBytes,
    }
  }
  return { records, codecs }
}

const BATCH = COMMON.batchRecords

async function measure(params: CodecParams): Promise<CodecRun> {
  const name = `bench.codec.${randomUUID().slice(0, 8)}`
  const codec = params.codec === 'json' ? undefined : params.codec
  const topic = defineTopic({ name, key: 'user_id', partitions: COMMON.partitions, ...(codec ? { codec } : {}) })
  const event = defineEvent({
    type: EVENT_TYPE,
    version: EVENT_VERSION,
    topic,
    schema: BenchPayload,
    schemas: { protobuf: { proto: BENCH_PROTO, message: 'BenchRecorded' } },
  })
  const registry = new SchemaRegistry({ url: params.registryUrl })
  const encoders = new Map<RegistryCodecName, RegistryEncoder>()
  const settings: PrepareSettings = {
    service: 'kafkit-bench',
    codec: jsonCodec,
    maxRecordBytes: 1024 * 1024,
    registryEncoder: (n) => encoders.get(n) ?? encoders.set(n, new RegistryEncoder(registry, n)).get(n)!,
  }
  const decoder = new RegistryDecoder(registry)
  const note = padding(COMMON.recordBytes)
  const prepare = async (from: number, count: number): Promise<PreparedEvent[]> => {
    const pending = Array.from({ length: count }, (_, i) =>
      prepareEvent(settings, event, payload(from + i, COMMON.keys, note), undefined),
    )
    // As publishBatch: a tick only when something was asynchronous.
    const prepared = pending.some((p) => p instanceof Promise)
      ? await Promise.all(pending.map(async (p) => p))
      : (pending as Prepared[])
    return prepared.map((p) => {
      if (!p.ok) throw p.error
      return p
    })
  }
  const decode = (record: PreparedEvent) => {
    const headers = headersToStrings(new Map(Object.entries(record.headers)))
    if (!codec) return validateEnvelope(jsonCodec.decode(record.value, headers))
    const decoded = decoder.decode(record.value, headers, { topic: name })
    return decoded instanceof Promise ? decoded.then(validateEnvelope) : validateEnvelope(decoded)
  }
  try {
    // Warm-up: registers the schema, fills the caches, lets the JIT settle.
    for (const record of await prepare(0, 2000)) await decode(record)

    const encoded: PreparedEvent[] = []
    const encodeStart = performance.now()
    for (let i = 0; i < params.records; i += BATCH)
      encoded.push(...(await prepare(i, Math.min(BATCH, params.records - i))))
    const encodeUs = ((performance.now() - encodeStart) * 1000) / params.records

    const decodeStart = performance.now()
    for (let i = 0; i < encoded.length; i += BATCH) {
      const decoded = encoded.slice(i, i + BATCH).map(decode)
      if (decoded.some((d) => d instanceof Promise)) await Promise.all(decoded.map(async (d) => d))
    }
    const decodeUs = ((performance.now() - decodeStart) * 1000) / params.records

    const valueBytes = Math.round(encoded.reduce((sum, r) => sum + r.value.length, 0) / encoded.length)
    return { encodeUs, decodeUs, valueBytes }
  } finally {
    if (codec)
      await registry
        .deleteSubject(registry.subjectOf({ topic: name, type: EVENT_TYPE, major: 1 }))
        .catch(() => undefined)
    registry.close()
  }
}

export const tasks = { measure }
