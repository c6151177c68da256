// kafkit/outbox: the transactional outbox on PostgreSQL (`pg`, `postgres` or embedded PGlite) and
// the relay that moves its rows to Kafka, plus the inbox middleware for idempotent consumers.
export {
  createOutbox,
  Outbox,
  type CheckedOutboxItems,
  type OutboxEntry,
  type OutboxItem,
  type OutboxOptions,
  type OutboxPublishOptions,
} from './outbox.ts'
export { Relay, type RelaySource, type RelayState, type RelayStatus } from './relay.ts'
export type { OutboxStats } from './stats.ts'
export type { RelayOptions } from './relay-options.ts'
export { OUTBOX_ROW_HEADER } from './rows.ts'
export { DEFAULT_LANES, SCHEMA_VERSION, type OutboxNames } from './schema.ts'
export * from '../database/index.ts'
export * from '../inbox/index.ts'
