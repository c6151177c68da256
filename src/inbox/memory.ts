// The in-memory inbox: remembers the ids of the last `capacity` events each group handled in this
// process. Enough to absorb redeliveries after a rebalance or a retried publish while the process
// lives; it forgets everything on restart, and it cannot make a handler's writes atomic with the
// mark (a crash between the two handles the event again). For those, the PostgreSQL inbox.
import type { Handler, Middleware } from '../consumer/types.ts'
import { inboxDuplicate } from '../observability/outbox.ts'

export interface MemoryInboxOptions {
  /** Event ids remembered (least recently seen forgotten first). Default 10,000. */
  capacity?: number
}

export class MemoryInbox {
  readonly capacity: number
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recent.
  readonly #seen = new Map<string, true>()

  constructor(options: MemoryInboxOptions = {}) {
    this.capacity = options.capacity ?? 10_000
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new TypeError('capacity must be a positive integer')
  }

  get size(): number {
    return this.#seen.size
  }

  has(group: string, eventId: string): boolean {
    return this.#seen.has(keyOf(group, eventId))
  }

  /** Marks after the handler succeeded: a failed handling is retried, not skipped. */
  middleware(): Middleware {
    return (next: Handler) => async (event, ctx) => {
      const key = keyOf(ctx.group, event.id)
      if (this.#seen.has(key)) {
        this.#seen.delete(key)
        this.#seen.set(key, true)
        ctx.logger.debug({ store: 'memory' }, 'event already handled by this group: acknowledged without handling')
        inboxDuplicate(ctx.group, 'memory')
        return
      }
      await next(event, ctx)
      this.#seen.set(key, true)
      if (this.#seen.size > this.capacity) this.#seen.delete(this.#seen.keys().next().value!)
    }
  }
}

function keyOf(group: string, eventId: string): string {
  return `${group}\u0000${eventId}`
}

export function memoryInbox(options: MemoryInboxOptions = {}): MemoryInbox {
  return new MemoryInbox(options)
}
