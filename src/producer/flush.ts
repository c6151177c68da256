// What flush() waits for: every record accepted before the call. Records are counted per epoch;
// flush() closes the current epoch and waits until it and all earlier ones are settled, so records
// accepted during a flush do not keep it waiting.
interface Epoch {
  count: number
  waiters: (() => void)[]
}

export class FlushTracker {
  #current = 0
  readonly #open = new Map<number, Epoch>()

  /** Counts one accepted record; returns its epoch, to give back to settle(). */
  accept(): number {
    const epoch = this.#open.get(this.#current)
    if (epoch) epoch.count++
    else this.#open.set(this.#current, { count: 1, waiters: [] })
    return this.#current
  }

  settle(epochNumber: number): void {
    const epoch = this.#open.get(epochNumber)
    if (!epoch || --epoch.count > 0) return
    this.#open.delete(epochNumber)
    for (const resolve of epoch.waiters) resolve()
  }

  /** Records accepted and not settled yet. */
  get pending(): number {
    let total = 0
    for (const epoch of this.#open.values()) total += epoch.count
    return total
  }

  /** Resolves when every record accepted so far has settled. */
  async drain(): Promise<void> {
    const upTo = this.#current++
    const waits: Promise<void>[] = []
    for (const [number, epoch] of this.#open) {
      if (number <= upTo) waits.push(new Promise<void>((resolve) => epoch.waiters.push(resolve)))
    }
    await Promise.all(waits)
  }
}
