// A wire consumer that joins a group for a one-off read emits 'error' on itself when it loses its
// membership and cannot join again (the wire client's heartbeat got a rejoin error and the rejoin
// failed). An 'error' nobody listens to ends the process; a read that has lost its group has ended.
import type { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'

/** Ends `stream` with the consumer's own 'error', so that the read fails with it instead of the process. */
export function endReadOnClientError(consumer: EventEmitter, stream: Readable): void {
  consumer.on('error', (error: Error) => stream.destroy(error))
}
