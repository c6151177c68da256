// Partition counts for partitioning, from the wire client's metadata. A topic the cluster does not
// know fails fast with a clear error (kafkit never auto-creates topics); an unreachable cluster is
// retried with backoff for as long as the records waiting for the answer are within their deadline.
import { findErrorBy } from '@platformatic/kafka'
import { errorMessage } from '../errors.ts'
import { jitteredBackoff } from './options.ts'
import type { Wire } from './sender.ts'

/** Lookups of a topic just created elsewhere may reach a broker that has not heard of it yet. */
const UNKNOWN_TOPIC_ATTEMPTS = 3

export interface Backoff {
  retryBackoffMs: number
  retryBackoffMaxMs: number
}

export class PartitionCounts {
  readonly #wire: Wire
  readonly #backoff: Backoff

  constructor(wire: Wire, backoff: Backoff) {
    this.#wire = wire
    this.#backoff = backoff
  }

  /** Each topic's partition count, or the error that says why it has none. */
  async of(topics: Iterable<string>, stillNeeded: () => boolean): Promise<Map<string, number | Error>> {
    const counts = new Map<string, number | Error>()
    const cached = this.#wire.currentMetadata?.topics
    for (const topic of topics) {
      if (counts.has(topic)) continue
      const known = cached?.get(topic)
      // One topic at a time, so that a topic that does not exist fails only its own records.
      counts.set(topic, known ? known.partitionsCount : await this.#lookUp(topic, stillNeeded))
    }
    return counts
  }

  async #lookUp(topic: string, stillNeeded: () => boolean): Promise<number | Error> {
    for (let attempt = 1; ; attempt++) {
      try {
        const metadata = await this.#wire.metadata({ topics: [topic], retries: 0 })
        const count = metadata.topics.get(topic)?.partitionsCount
        if (count !== undefined) return count
        throw new Error(`Unknown topic ${topic}.`)
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err))
        const unknown = /^Unknown topic/.test(errorMessage(error))
        const retriable = unknown ? attempt < UNKNOWN_TOPIC_ATTEMPTS : !findErrorBy(error, 'canRetry', false)
        if (!retriable || !stillNeeded()) return error
        const delay = jitteredBackoff(attempt, this.#backoff.retryBackoffMs, this.#backoff.retryBackoffMaxMs)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }
}
