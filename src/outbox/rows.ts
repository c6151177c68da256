// An outbox row and the record it becomes: what outbox.publish writes, what the relay sends.
import { bigintOf, bytesOf, jsonOf, numberOf, optionalTextOf, textOf } from '../database/rows.ts'
import type { Row } from '../database/types.ts'
import type { RawRecord } from '../producer/types.ts'

/** The header that names a record's outbox row (`<outbox id>:<row id>`): how a relay recognises its own records. */
export const OUTBOX_ROW_HEADER = 'kafkit-outbox-row'

/** Header values as JSON: strings stay strings, bytes are `{ "base64": … }`. */
export type StoredHeaders = Record<string, string | { base64: string }>

export function storeHeaders(headers: Record<string, string | Buffer>): string {
  const stored: StoredHeaders = {}
  for (const name in headers) {
    const value = headers[name]!
    stored[name] = typeof value === 'string' ? value : { base64: value.toString('base64') }
  }
  return JSON.stringify(stored)
}

export function loadHeaders(stored: StoredHeaders | undefined): Record<string, string | Buffer> {
  const headers: Record<string, string | Buffer> = {}
  if (!stored) return headers
  for (const name in stored) {
    const value = stored[name]!
    headers[name] = typeof value === 'string' ? value : Buffer.from(value.base64, 'base64')
  }
  return headers
}

export interface OutboxRow {
  id: bigint
  lane: number
  topic: string
  partition: number | undefined
  key: Buffer | undefined
  value: Buffer
  headers: StoredHeaders | undefined
  eventId: string
  eventType: string
  eventTime: number
}

/** The columns a relay selects, cast so that every driver returns them alike. */
export const ROW_COLUMNS =
  'id::text AS id, lane, topic, partition, key, value, headers::text AS headers, event_id, event_type, event_time::text AS event_time'

export function rowOf(row: Row): OutboxRow {
  const partition = row['partition']
  return {
    id: bigintOf(row, 'id'),
    lane: numberOf(row, 'lane'),
    topic: textOf(row, 'topic'),
    partition: partition === null || partition === undefined ? undefined : Number(partition),
    key: bytesOf(row, 'key'),
    value: bytesOf(row, 'value') ?? Buffer.alloc(0),
    headers: jsonOf<StoredHeaders>(row, 'headers'),
    eventId: textOf(row, 'event_id'),
    eventType: optionalTextOf(row, 'event_type') ?? '',
    eventTime: Number(bigintOf(row, 'event_time')),
  }
}

/** The record the producer would have written, plus the header naming its row. */
export function recordOf(row: OutboxRow, outboxId: string): RawRecord {
  const headers = loadHeaders(row.headers)
  headers[OUTBOX_ROW_HEADER] = `${outboxId}:${row.id}`
  return {
    topic: row.topic,
    key: row.key,
    value: row.value,
    headers,
    partition: row.partition,
    timestamp: new Date(row.eventTime),
  }
}

/** The row id in a record's outbox header, if the record came from outbox `outboxId`. */
export function rowIdOf(header: string, outboxId: string): bigint | undefined {
  const prefix = `${outboxId}:`
  if (!header.startsWith(prefix)) return undefined
  try {
    return BigInt(header.slice(prefix.length))
  } catch {
    return undefined
  }
}
