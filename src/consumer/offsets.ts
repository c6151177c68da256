// One partition's commit tracking: the committable offset is the lowest offset dispatched and not
// yet done, or one past the highest done when nothing is pending. Records complete in any order.

export class PartitionOffsets {
  /**
   * Dispatched offsets in increasing order and whether each is done, from #head (the lowest not yet
   * committable). Two flat arrays and a binary search, rather than an object and a map entry per record.
   */
  readonly #offsets: bigint[] = []
  readonly #done: boolean[] = []
  #head = 0
  #pending = 0
  /**
   * The highest offset ever dispatched here; it and lower offsets arriving later are duplicates.
   * Offsets are kept as they came and one is added only when asked: BigInt arithmetic allocates,
   * and this runs for every record.
   */
  #last: bigint | undefined
  /** The highest offset done with everything before it done (committable: one past it), if any. */
  #doneThrough: bigint | undefined
  /** Set by a seek: committable before any record is done. */
  #startAt: bigint | undefined
  #committed: bigint | undefined
  /** The leader epoch of the last dispatched record, sent with commits. */
  leaderEpoch = -1

  /**
   * Tracking begins at `offset` (a seek): the next commit carries it even before any record there
   * is done, so that the seek outlives this member.
   */
  startAt(offset: bigint): void {
    this.#startAt = offset
    this.#doneThrough = undefined
  }

  /** Whether a record at `offset` is new (not a re-delivery of something already dispatched). */
  isNew(offset: bigint): boolean {
    return this.#last === undefined || offset > this.#last
  }

  dispatched(offset: bigint, leaderEpoch: number): void {
    this.#offsets.push(offset)
    this.#done.push(false)
    this.#pending++
    this.#last = offset
    this.leaderEpoch = leaderEpoch
  }

  done(offset: bigint): void {
    const index = this.#find(offset)
    if (index < 0 || this.#done[index]) return
    this.#done[index] = true
    this.#pending--
    const offsets = this.#offsets
    const done = this.#done
    while (this.#head < offsets.length && done[this.#head]) {
      this.#doneThrough = offsets[this.#head]!
      this.#head++
    }
    // Compact now and then so the arrays do not grow without bound.
    if (this.#head > 1024 && this.#head * 2 > offsets.length) {
      offsets.splice(0, this.#head)
      done.splice(0, this.#head)
      this.#head = 0
    }
  }

  /** The index of a dispatched, not yet committable offset, or -1. Records mostly finish in order. */
  #find(offset: bigint): number {
    const offsets = this.#offsets
    let low = this.#head
    let high = offsets.length - 1
    if (low <= high && offsets[low] === offset) return low
    while (low <= high) {
      const mid = (low + high) >>> 1
      const value = offsets[mid]!
      if (value === offset) return mid
      if (value < offset) low = mid + 1
      else high = mid - 1
    }
    return -1
  }

  /** One past the highest offset dispatched (where fetching goes on), if any was. */
  get next(): bigint | undefined {
    return this.#last === undefined ? undefined : this.#last + 1n
  }

  /** Records dispatched and not yet done. */
  get pending(): number {
    return this.#pending
  }

  /** The offset to commit if it moved since the last commit, else undefined. */
  toCommit(): bigint | undefined {
    const target = this.#doneThrough === undefined ? this.#startAt : this.#doneThrough + 1n
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
