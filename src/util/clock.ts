// Time as the runtime sees it. Every timer and every "now" of the consumer goes through a Clock, so
// that tests (and an in-memory Kafka with a virtual clock) can drive time instead of waiting for it.

/** A pending timer, as the clock that made it knows it. */
export type Timer = object

export interface TimerOptions {
  /** Do not keep the process alive for this timer alone (background work such as lag measurement). */
  unref?: boolean
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): Timer
  clearTimeout(timer: Timer | undefined): void
}

/** Real time: Date.now and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms, options) {
    const timer = setTimeout(callback, ms)
    if (options?.unref) timer.unref()
    return timer
  },
  clearTimeout(timer) {
    if (timer !== undefined) clearTimeout(timer as NodeJS.Timeout)
  },
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (with false). */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer)
      resolve(false)
    }
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Whether `work` settles within `ms` on `clock` (it goes on regardless; this only stops waiting). */
export async function within(clock: Clock, work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | undefined
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(false), ms))),
  ])
  clock.clearTimeout(timer)
  return settled
}
