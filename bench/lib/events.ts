// The benchmark's event: one catalog event whose JSON envelope is about 1 KiB, plus the same record
// built by hand for the baseline clients (what a user of the raw client would write: no validation).
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { createEnvelope, defineEvent, defineTopic, envelopeHeaders, jsonCodec } from 'kafkit'

export const BenchPayload = z.object({
  user_id: z.string(),
  seq: z.number().int(),
  /** Epoch milliseconds (fractional) at which the record was due to be sent: end-to-end latency. */
  sent_at: z.number(),
  note: z.string(),
})
export type BenchPayloadType = z.infer<typeof BenchPayload>

export const EVENT_TYPE = 'bench.recorded'
export const EVENT_VERSION = '1.0'
export const SOURCE = 'kafkit-bench'

/** The payload as Protobuf, for the registry-protobuf codec. */
export const BENCH_PROTO = `syntax = "proto3";
package kafkit.bench;
message BenchRecorded {
  string user_id = 1;
  int64 seq = 2;
  double sent_at = 3;
  string note = 4;
}
`

export function benchEvent(topic: string, partitions: number) {
  const definition = defineTopic({ name: topic, key: 'user_id', partitions })
  return defineEvent({ type: EVENT_TYPE, version: EVENT_VERSION, topic: definition, schema: BenchPayload })
}
export type BenchEvent = ReturnType<typeof benchEvent>

/** Padding that makes a typical envelope `recordBytes` long (±3 bytes as keys and numbers vary). */
export function padding(recordBytes: number): string {
  const sample = payload(50_000, 1000, '', Date.now() + 0.123)
  const size = jsonCodec.encode(
    createEnvelope({ type: EVENT_TYPE, version: EVENT_VERSION, source: SOURCE, payload: sample }),
  ).value.length
  return 'x'.repeat(Math.max(0, recordBytes - size))
}

export function payload(seq: number, keys: number, note: string, sentAt = 0): BenchPayloadType {
  return { user_id: `k${seq % keys}`, seq, sent_at: sentAt, note }
}

export interface BuiltRecord {
  key: Buffer
  value: Buffer
  headers: Record<string, Buffer>
}

/** A record exactly as kafkit's producer writes it (envelope, standard headers, key). */
export function envelopeRecord(p: BenchPayloadType): BuiltRecord {
  const envelope = createEnvelope({ type: EVENT_TYPE, version: EVENT_VERSION, source: SOURCE, payload: p })
  const headers: Record<string, Buffer> = {}
  for (const [name, value] of Object.entries(envelopeHeaders(envelope, jsonCodec.contentType))) {
    headers[name] = Buffer.from(value)
  }
  return { key: Buffer.from(p.user_id), value: jsonCodec.encode(envelope).value, headers }
}

const CONSTANT_HEADERS = {
  'event-type': Buffer.from(EVENT_TYPE),
  'event-version': Buffer.from(EVENT_VERSION),
  'event-source': Buffer.from(SOURCE),
  'content-type': Buffer.from(jsonCodec.contentType),
}

/** The same record shape made by hand, as a raw-client user would: stringify, no validation. */
export function handMadeRecord(p: BenchPayloadType): BuiltRecord {
  const id = randomUUID()
  const envelope = {
    id,
    type: EVENT_TYPE,
    version: EVENT_VERSION,
    source: SOURCE,
    timestamp: new Date().toISOString(),
    correlation_id: id,
    payload: p,
  }
  const idBytes = Buffer.from(id)
  return {
    key: Buffer.from(p.user_id),
    value: Buffer.from(JSON.stringify(envelope)),
    headers: { ...CONSTANT_HEADERS, 'event-id': idBytes, 'correlation-id': idBytes },
  }
}
