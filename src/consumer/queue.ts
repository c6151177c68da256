/** A FIFO queue with O(1) push and shift (arrays shift in O(n)). */
export class Queue<T> {
  #items: (T | undefined)[] = []
  #head = 0
  /** Items live in [#head, #tail); the array past #tail is spare room kept from earlier fills. */
  #tail = 0

  get length(): number {
    return this.#tail - this.#head
  }

  push(item: T): void {
    if (this.#tail < this.#items.length) this.#items[this.#tail] = item
    else this.#items.push(item)
    this.#tail++
  }

  shift(): T | undefined {
    if (this.#head >= this.#tail) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (this.#head === this.#tail) {
      // Emptied (a pool's ready queue is, after nearly every record): fill the same array again
      // from its start rather than allocate a new one, unless a burst left it large.
      if (this.#items.length > SPARE_ROOM) this.#items = []
      this.#head = 0
      this.#tail = 0
    } else if (this.#head > 4096 && this.#head * 2 > this.#tail) {
      this.#items = this.#items.slice(this.#head, this.#tail)
      this.#tail -= this.#head
      this.#head = 0
    }
    return item
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#tail; i++) yield this.#items[i] as T
  }
}

/** The room an emptied queue keeps for its next fill. */
const SPARE_ROOM = 1024
