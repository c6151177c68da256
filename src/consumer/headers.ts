// A record's headers as a read-only Map of strings over the wire client's Buffers. Nothing is
// decoded up front: a lookup compares bytes (most names differ in length and are skipped at once)
// and a value is decoded when read. kafkit reads a handful of headers per record; users may read more.

/** Header names as bytes, made once per name. */
const nameBytes = new Map<string, Buffer>()

function bytesOf(name: string): Buffer {
  let bytes = nameBytes.get(name)
  if (!bytes) {
    bytes = Buffer.from(name, 'latin1')
    // Names come from code, not data, but a bound costs nothing.
    if (nameBytes.size < 1024) nameBytes.set(name, bytes)
  }
  return bytes
}

type Entry = readonly [Buffer, Buffer | null | undefined]

export class RecordHeaders implements ReadonlyMap<string, string> {
  readonly #entries: readonly Entry[]
  #decoded: (string | undefined)[] | undefined

  /** `entries`: the record's headers in order, duplicates included (the last one wins). */
  constructor(entries: readonly Entry[] | undefined) {
    this.#entries = entries ?? []
  }

  #index(name: string): number {
    const target = bytesOf(name)
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const key = this.#entries[i]![0]
      if (key.length === target.length && key.equals(target)) return i
    }
    return -1
  }

  #value(index: number): string {
    this.#decoded ??= []
    let value = this.#decoded[index]
    if (value === undefined) {
      // A header without a value reads as the empty string.
      value = this.#entries[index]![1]?.toString('utf8') ?? ''
      this.#decoded[index] = value
    }
    return value
  }

  get size(): number {
    return new Set(this.#entries.map(([key]) => key.toString('latin1'))).size
  }

  get(name: string): string | undefined {
    const index = this.#index(name)
    return index < 0 ? undefined : this.#value(index)
  }

  has(name: string): boolean {
    return this.#index(name) >= 0
  }

  *entries(): MapIterator<[string, string]> {
    const seen = new Set<string>()
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const name = this.#entries[i]![0].toString('latin1')
      if (seen.has(name)) continue
      seen.add(name)
      yield [name, this.#value(i)]
    }
  }

  *keys(): MapIterator<string> {
    for (const [name] of this.entries()) yield name
  }

  *values(): MapIterator<string> {
    for (const [, value] of this.entries()) yield value
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this)
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries()
  }
}
