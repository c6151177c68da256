// One partition's commit tracking: the committable offset is the lowest offset dispatched and not
// yet done, or one past the highest done when nothing is pending. Records complete in any order.

interface Slot {
  offset: bigint
  done: boolean
}

export class PartitionOffsets {
  /** Dispatched records in offset order; the head is the lowest not yet committed. */
  readonly #slots: Slot[] = []
  #head = 0
  readonly #index = new Map<bigint, Slot>()
  /** One past the highest offset ever dispatched here; lower offsets arriving later are duplicates. */
  #next: bigint | undefined
  #committable: bigint | undefined
  #committed: bigint | undefined
  /** The leader epoch of the last dispatched record, sent with commits. */
  leaderEpoch = -1

  /**
   * Tracking begins at `offset` (a seek): the next commit carries it even before any record there
   * is done, so that the seek outlives this member.
   */
  startAt(offset: bigint): void {
    this.#committable = offset
  }

  /** Whether a record at `offset` is new (not a re-delivery of something already dispatched). */
  isNew(offset: bigint): boolean {
    return this.#next === undefined || offset >= this.#next
  }

  dispatched(offset: bigint, leaderEpoch: number): void {
    const slot = { offset, done: false }
    this.#slots.push(slot)
    this.#index.set(offset, slot)
    this.#next = offset + 1n
    this.leaderEpoch = leaderEpoch
  }

  done(offset: bigint): void {
    const slot = this.#index.get(offset)
    if (!slot) return
    slot.done = true
    this.#index.delete(offset)
    while (this.#head < this.#slots.length && this.#slots[this.#head]!.done) {
      this.#committable = this.#slots[this.#head]!.offset + 1n
      this.#head++
    }
    // Compact now and then so the array does not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots.splice(0, this.#head)
      this.#head = 0
    }
  }

  /** One past the highest offset dispatched (where fetching goes on), if any was. */
  get next(): bigint | undefined {
    return this.#next
  }

  /** Records dispatched and not yet done. */
  get pending(): number {
    return this.#index.size
  }

  /** The offset to commit if it moved since the last commit, else undefined. */
  toCommit(): bigint | undefined {
    const target = this.#committable
    if (target === undefined || (this.#committed !== undefined && target <= this.#committed)) return undefined
    return target
  }

  committed(offset: bigint): void {
    if (this.#committed === undefined || offset > this.#committed) this.#committed = offset
  }

  get lastCommitted(): bigint | undefined {
    return this.#committed
  }
}
