// The records of the in-memory Kafka: as stored in a partition, and as a produce call hands them over.
import type { FetchedRecord, RecordHeaderEntry } from '../consumer/member.ts'
import type { RecordHeaders } from '../producer/record.ts'

/** A record as the broker stores it. */
export interface StoredRecord extends FetchedRecord {
  readonly topic: string
}

/** What a produce call hands the broker for one partition. */
export interface ProducedRecord {
  key: Buffer | null | undefined
  value: Buffer | null | undefined
  headers: RecordHeaders | readonly RecordHeaderEntry[] | undefined
  timestamp: bigint | undefined
}
