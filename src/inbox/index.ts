// Idempotent consumers: middleware that acknowledges an event a group already handled without
// calling the handler again, with the mark kept in PostgreSQL (in the handler's transaction) or in memory.
export { createInbox, Inbox, type InboxOptions, type TransactionalHandler } from './postgres.ts'
export { memoryInbox, MemoryInbox, type MemoryInboxOptions } from './memory.ts'
