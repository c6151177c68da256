// Dead-letter tooling: read a DLQ with filters, replay failures to the group that failed.
export { ReplayHeaders } from './headers.ts'
export { readDeadLetters, matchesFilter, type DeadLetterEntry, type DeadLetterFilter } from './reader.ts'
export {
  replayDeadLetters,
  type ReplayOptions,
  type ReplayReport,
  type ReplayedItem,
  type ReplaySender,
} from './replay.ts'
