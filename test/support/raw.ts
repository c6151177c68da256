// Produces records with the wire client directly (no kafkit producer): envelopes built by hand,
// malformed bytes, foreign formats. Tests use it to feed consumers whatever a real topic may hold.
import type { TestContext } from 'node:test'
import { ProduceAcks, Producer, compatibilityPartitioner } from '@platformatic/kafka'
import { createEnvelope, envelopeHeaders, jsonCodec, type Envelope } from '../../src/envelope/index.ts'
import { brokers, track, uniqueName } from './kafka.ts'

export interface RawRecord {
  topic: string
  key?: string | undefined
  value: Buffer | string
  headers?: Record<string, string>
}

export function rawProducer(t: TestContext) {
  const producer = track(
    t,
    new Producer({
      clientId: uniqueName('raw-producer'),
      bootstrapBrokers: brokers(),
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
      // Fail instead of retrying forever (the idempotent default) if a send is malformed.
      retries: 5,
    }),
  )
  return {
    async send(records: RawRecord[], batch = 500): Promise<void> {
      for (let i = 0; i < records.length; i += batch) {
        await producer.send({
          messages: records.slice(i, i + batch).map((r) => ({
            topic: r.topic,
            ...(r.key === undefined ? {} : { key: Buffer.from(r.key) }),
            value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
            // Without header serializers the wire client needs Buffer keys and values.
            headers: new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
          })),
        })
      }
    },
  }
}

/** A record holding a canonical envelope, as kafkit's producer would write it. */
export function envelopeRecord(
  topic: string,
  key: string | undefined,
  type: string,
  version: string,
  payload: object,
  overrides: Partial<Envelope> = {},
): RawRecord {
  const envelope = { ...createEnvelope({ type, version, source: 'test-producer', payload }), ...overrides }
  return {
    topic,
    key,
    value: jsonCodec.encode(envelope).value,
    headers: envelopeHeaders(envelope, jsonCodec.contentType),
  }
}
