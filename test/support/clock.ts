// A clock that moves only when the test says: timers fire in order of their due time as the test
// advances it, so that interleavings of timeouts, backoffs and due times are deterministic.
import type { Clock, Timer } from '../../src/util/clock.ts'

interface Pending {
  at: number
  seq: number
  callback: () => void
}

export class ManualClock implements Clock {
  #now: number
  #seq = 0
  readonly #pending = new Set<Pending>()

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const timer: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback }
    this.#pending.add(timer)
    return timer
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer !== undefined) this.#pending.delete(timer as Pending)
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#pending.size
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own time, in order, and
   * letting promises settle after each (so that work a timer starts runs before the next one fires).
   */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms
    for (;;) {
      await settle()
      const next = [...this.#pending].filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (!next) break
      this.#pending.delete(next)
      this.#now = next.at
      next.callback()
    }
    this.#now = until
    await settle()
  }
}

/** Lets pending promise reactions (and the I/O callbacks they trigger) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
