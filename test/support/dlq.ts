// Reads the failure a DLQ record describes, from a record read by a test (its headers as text).
import { readDeadLetterRecord, type DeadLetterRecord } from '../../src/dlq/index.ts'

export function failureOf(record: {
  key?: Buffer | string | null | undefined
  value: Buffer | null | undefined
  headers: ReadonlyMap<string, string>
  tombstone?: boolean
}): DeadLetterRecord {
  const key = typeof record.key === 'string' ? Buffer.from(record.key) : record.key
  return readDeadLetterRecord({ key, value: record.tombstone ? null : record.value, headers: record.headers }).record
}
