// Handler timeouts. Running attempts (at most the pool's concurrency) are kept in a set, and one
// clock timer is set for the earliest deadline among them: an attempt costs a set insert and
// delete, not a timer of its own. When the timer fires, the attempts past their deadline expire and
// the timer is set again for the next one.
import type { Clock, Timer } from '../util/clock.ts'

export interface Expiring {
  /** When the attempt's time is up (clock ms). */
  readonly deadline: number
  /** Called once, at the deadline, if the attempt is still running. */
  expire(): void
}

export class Deadlines {
  readonly #clock: Clock
  readonly #running = new Set<Expiring>()
  #timer: Timer | undefined
  #timerAt = Infinity

  constructor(clock: Clock) {
    this.#clock = clock
  }

  start(attempt: Expiring): void {
    this.#running.add(attempt)
    if (attempt.deadline < this.#timerAt) this.#arm(attempt.deadline)
  }

  end(attempt: Expiring): void {
    this.#running.delete(attempt)
  }

  /** Stops timing: attempts still running will not expire. */
  close(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
    this.#running.clear()
  }

  #arm(at: number) {
    this.#clock.clearTimeout(this.#timer)
    this.#timerAt = at
    // Unref'd: a timer left set after the last attempt ended must not keep the process alive.
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.now()), { unref: true })
  }

  #fire() {
    this.#timer = undefined
    this.#timerAt = Infinity
    const now = this.#clock.now()
    let next = Infinity
    for (const attempt of [...this.#running]) {
      if (attempt.deadline <= now) {
        this.#running.delete(attempt)
        attempt.expire()
      } else if (attempt.deadline < next) next = attempt.deadline
    }
    if (next !== Infinity) this.#arm(next)
  }
}
