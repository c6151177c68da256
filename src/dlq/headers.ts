// Headers of a record replayed from a DLQ: which group must handle it, and where it came from.
export const ReplayHeaders = {
  /** Only this consumer group handles the record; every other kafkit consumer skips (and commits) it. */
  group: 'kafkit-replay-group',
  /** `<dlq topic>/<partition>/<offset>` of the failure record it was replayed from. */
  source: 'kafkit-replay-of',
  /** When it was replayed (ISO 8601). */
  at: 'kafkit-replay-at',
} as const
