// Dead-letter records and tooling: the failure-record format (shared by the consumer runtime and
// the producer), reading a DLQ with filters, replaying failures to the group that failed.
export {
  buildDeadLetterRecord,
  readDeadLetterRecord,
  headerEntries,
  DlqHeaders,
  DLQ_FORMAT_VERSION,
  DLQ_HEADER_PREFIX,
  DLQ_LIMITS,
  type DeadLetter,
  type DeadLetterInput,
  type DeadLetterMessage,
  type DeadLetterRecord,
  type HeaderEntry,
  type HeadersInput,
  type OriginalRecord,
  type ValueOmitted,
} from './format.ts'
export { ReplayHeaders } from './headers.ts'
export { readDeadLetters, matchesFilter, type DeadLetterEntry, type DeadLetterFilter } from './reader.ts'
export {
  replayDeadLetters,
  type ReplayOptions,
  type ReplayReport,
  type ReplayedItem,
  type ReplaySender,
} from './replay.ts'
