// Virtual time for the runtime: every timer of the consumer (commit interval, retry backoffs,
// retry-tier due times, handler timeouts, shutdown bounds) fires only when the test moves time on,
// in order of due time. A five-minute retry tier then takes no real time, and the same schedule
// runs the same way every time.
import type { Clock, Timer, TimerOptions } from '../util/clock.ts'

interface Pending {
  at: number
  seq: number
  callback: () => void
}

export class VirtualClock implements Clock {
  #now: number
  #seq = 0
  readonly #pending = new Set<Pending>()

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number, _options?: TimerOptions): Timer {
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

  /** When the next timer is due (undefined when none is pending). */
  get nextAt(): number | undefined {
    return this.#next(Infinity)?.at
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own time, in order, and
   * letting promises settle after each (so that work a timer starts runs before the next one fires).
   */
  async advance(ms: number): Promise<void> {
    const until = this.#now + Math.max(0, ms)
    for (;;) {
      await settle()
      const next = this.#next(until)
      if (!next) break
      this.#pending.delete(next)
      this.#now = next.at
      next.callback()
    }
    this.#now = until
    await settle()
  }

  /** Moves time to the next timer and fires it (and any due at the same time); false when none is pending. */
  async advanceToNext(): Promise<boolean> {
    const at = this.nextAt
    if (at === undefined) return false
    await this.advance(at - this.#now)
    return true
  }

  /** Moves time to the next timer and fires it alone, synchronously; false when none is pending. */
  fireNext(): boolean {
    const next = this.#next(Infinity)
    if (!next) return false
    this.#pending.delete(next)
    this.#now = next.at
    next.callback()
    return true
  }

  #next(until: number): Pending | undefined {
    let best: Pending | undefined
    for (const t of this.#pending) {
      if (t.at > until) continue
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t
    }
    return best
  }
}

/** Lets pending promise reactions (and the callbacks they schedule) run: a few turns of the event loop. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
