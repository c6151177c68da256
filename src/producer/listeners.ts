// Who hears of async deliveries: listeners added with `producer.onDelivery`, and those of the
// deprecated EventEmitter-style `producer.on('delivery' | 'error')`. The producer is no
// EventEmitter: in kafkit `on` registers a consumer's handler, and a producer only reports deliveries.
import { EventEmitter } from 'node:events'
import type { KafkitError } from '../errors.ts'
import type { DeliveryListener, DeliveryReport, ProducerEvents } from './types.ts'

export class DeliveryListeners {
  readonly #events = new EventEmitter<ProducerEvents>()

  add(listener: DeliveryListener): () => void {
    this.#events.on('delivery', listener)
    return () => void this.#events.off('delivery', listener)
  }

  get emitter(): EventEmitter<ProducerEvents> {
    return this.#events
  }

  /** Whether a report of this outcome would reach anyone (else the caller need not build one). */
  hears(error: KafkitError | null): boolean {
    return this.#events.listenerCount('delivery') > 0 || (error !== null && this.#events.listenerCount('error') > 0)
  }

  /**
   * Tells every listener; a report nobody listens to costs no object. What a listener throws goes to
   * `threw` (the producer logs it; it never reaches the send loop).
   */
  report(make: () => DeliveryReport, error: KafkitError | null, threw: (err: unknown) => void): void {
    if (this.#events.listenerCount('delivery') > 0) this.#emit(threw, 'delivery', make())
    // 'error' without a listener would throw: failures are logged either way.
    if (error && this.#events.listenerCount('error') > 0) this.#emit(threw, 'error', error)
  }

  #emit<K extends keyof ProducerEvents>(threw: (err: unknown) => void, name: K, ...args: ProducerEvents[K]): void {
    // Each listener alone: one that throws does not keep the others from hearing. Raw listeners:
    // a `once` wrapper removes itself when called.
    for (const listener of this.#events.rawListeners(name) as ((...a: ProducerEvents[K]) => void)[]) {
      try {
        listener(...args)
      } catch (err) {
        threw(err)
      }
    }
  }
}
