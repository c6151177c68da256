// Handler timeouts on one clock timer, at no cost per attempt beyond a comparison. Running attempts
// are not registered anywhere: each runner tells where to find its running ones (its pool's active
// lanes, at most `concurrency`). The timer is set for the earliest deadline it knows of; when it
// fires, the attempts past their deadline expire and it is set again for the next one.
import type { Clock, Timer } from '../util/clock.ts'

export interface Expiring {
  /** When the attempt's time is up (clock ms). */
  readonly deadline: number
  /** Called once, at the deadline, if the attempt is still running. */
  expire(): void
}

export class Deadlines {
  readonly #clock: Clock
  readonly #sources = new Set<() => Iterable<Expiring>>()
  #timer: Timer | undefined
  #timerAt = Infinity

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Where running attempts are found; returns a function that forgets the source. */
  watch(running: () => Iterable<Expiring>): () => void {
    this.#sources.add(running)
    return () => this.#sources.delete(running)
  }

  /** An attempt started: the timer fires no later than its deadline. */
  started(deadline: number): void {
    if (deadline < this.#timerAt) this.#arm(deadline)
  }

  /** Stops timing: attempts still running will not expire. */
  close(): void {
    this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
    this.#sources.clear()
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
    const running = [...this.#sources].flatMap((source) => [...source()])
    for (const attempt of running) {
      if (attempt.deadline <= now) attempt.expire()
      else if (attempt.deadline < next) next = attempt.deadline
    }
    if (next !== Infinity) this.#arm(next)
  }
}
