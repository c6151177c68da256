// A DLQ record as the console shows it, read through kafkit's DLQ format API (never from the
// bytes directly), so that every format version the tooling reads, the console reads.
import { headersToStrings } from '../envelope/headers.ts'
import { errorMessage } from '../errors.ts'
import { readDeadLetterRecord, type DeadLetterRecord } from '../dlq/format.ts'
import type { RawMessage } from './partition-reader.ts'

export interface Failure {
  topic: string
  partition: number
  offset: bigint
  timestamp: Date
  headers: Map<string, string>
  record: DeadLetterRecord | undefined
  /** The original record as kept by the DLQ (undefined parts were not kept). */
  original: { key: Buffer | undefined; value: Buffer | undefined; headers: [string, string][] }
  problem: string | undefined
}

export function readFailure(message: RawMessage): Failure {
  const base = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)),
    headers: headersToStrings(message.headers),
  }
  try {
    const { record, original } = readDeadLetterRecord({
      key: message.key,
      value: message.value,
      headers: message.headerEntries.map(([name, value]) => [name ?? Buffer.alloc(0), value] as const),
    })
    return {
      ...base,
      record,
      original: {
        key: original.key ?? undefined,
        value: original.value ?? undefined,
        headers: original.headers.map(([name, value]) => [name.toString('utf8'), value?.toString('utf8') ?? '']),
      },
      problem: undefined,
    }
  } catch (error) {
    return {
      ...base,
      record: undefined,
      original: { key: message.key ?? undefined, value: message.value ?? undefined, headers: [] },
      problem: errorMessage(error),
    }
  }
}
