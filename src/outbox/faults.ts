// Fault injection for tests of the relay's recovery: code run at the points where a crash matters.
// Not exported from kafkit/outbox; tests import it by path. Empty in production.
import type { RecordMetadata } from '../producer/types.ts'

export const relayFaults: {
  /** After Kafka acknowledged a batch, before its rows are deleted. */
  afterAcknowledged?: (acknowledged: readonly RecordMetadata[]) => void | Promise<void>
} = {}
