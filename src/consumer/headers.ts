// A record's headers as a read-only Map of strings over the wire client's Buffers. Nothing is
// decoded up front: a lookup compares bytes (most names differ in length and are skipped at once)
// and a value is decoded when read. kafkit reads a handful of headers per record; users may read more.
// The names kafkit looks up for every record are located in one pass over the headers, on the first
// lookup of any of them: a lookup of one of them then reads its position from a small integer.

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

/**
 * Names kafkit reads for every record: the content type and the CloudEvents marker (codec choice),
 * the DLQ replay group, the retry bookkeeping. At most 6 (five bits of position each, in one small
 * integer). Only a speed-up: a name missing here is looked up the general way.
 */
const KNOWN = [
  'content-type',
  'ce_specversion',
  'kafkit-replay-group',
  'kafkit-retry-tier',
  'kafkit-retry-due',
  'kafkit-retry-attempts',
] as const
const knownBytes = KNOWN.map((name) => Buffer.from(name, 'latin1'))
/** Index in KNOWN of each name, by the name's length: a header whose length is in none is skipped at once. */
const knownByLength: (number[] | undefined)[] = []
knownBytes.forEach((bytes, i) => (knownByLength[bytes.length] ??= []).push(i))

/** The index in KNOWN of a name kafkit reads for every record; -1 for any other name. */
function knownIndex(name: string): number {
  // Constant strings compare by identity, others by length first: a few cheap comparisons.
  for (let k = 0; k < KNOWN.length; k++) if (KNOWN[k] === name) return k
  return -1
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  // Of the same length. Names are short: a loop costs less than Buffer#equals' call into the runtime.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const SLOT_BITS = 5
const SLOT_MASK = (1 << SLOT_BITS) - 1
/** A slot's value for a name found at an index it cannot hold: looked up the general way. */
const FAR = SLOT_MASK
// The slots must fit in a small integer (bitwise operators work on 32 bits, the sign bit left alone).
if (KNOWN.length * SLOT_BITS > 30) throw new Error('headers.ts: KNOWN holds more names than its slots can place')

/**
 * Where the KNOWN names are among `entries`: for name k, bits 5k..5k+4 hold 0 when it is absent,
 * else its last index + 1 (FAR from index 30 on). 30 bits: a small integer, nothing allocated.
 */
function scanKnown(entries: readonly Entry[]): number {
  let found = 0
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i]![0]
    const candidates = knownByLength[key.length]
    if (candidates === undefined) continue
    for (let c = 0; c < candidates.length; c++) {
      const k = candidates[c]!
      if (!sameBytes(key, knownBytes[k]!)) continue
      const shift = k * SLOT_BITS
      // The last one wins, as in a Map built from the headers in order.
      found = (found & ~(SLOT_MASK << shift)) | (Math.min(i + 1, FAR) << shift)
    }
  }
  return found
}

/**
 * The last short header value decoded, per KNOWN name: most records of a topic carry the same
 * content type, and comparing its bytes costs less than decoding it again. A copy, so that the
 * fetched buffer it came from is not kept alive.
 */
const lastValueBytes: (Buffer | undefined)[] = []
const lastValueText: string[] = []
const CACHED_VALUE_MAX = 64

export class RecordHeaders implements ReadonlyMap<string, string> {
  readonly #entries: readonly Entry[]
  #decoded: (string | undefined)[] | undefined
  /** Where the KNOWN names are (scanKnown); -1 until the first lookup of one of them. */
  #known = -1

  /** `entries`: the record's headers in order, duplicates included (the last one wins). */
  constructor(entries: readonly Entry[] | undefined) {
    this.#entries = entries ?? []
  }

  #index(name: string): number {
    const target = bytesOf(name)
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const key = this.#entries[i]![0]
      if (key.length === target.length && sameBytes(key, target)) return i
    }
    return -1
  }

  /** The index of the KNOWN name `k` (its last one), -1 when the record does not carry it. */
  #knownAt(k: number, name: string): number {
    if (this.#known < 0) this.#known = scanKnown(this.#entries)
    const slot = (this.#known >>> (k * SLOT_BITS)) & SLOT_MASK
    if (slot === 0) return -1
    return slot === FAR ? this.#index(name) : slot - 1
  }

  #value(index: number): string {
    let value = this.#decoded?.[index]
    if (value === undefined) {
      // A header without a value reads as the empty string. (toString(): UTF-8, without the encoding lookup.)
      value = this.#entries[index]![1]?.toString() ?? ''
      ;(this.#decoded ??= [])[index] = value
    }
    return value
  }

  /** The value of the KNOWN name `k` at `index`: the last one decoded for that name if the bytes are the same. */
  #knownValue(k: number, index: number): string {
    const bytes = this.#entries[index]![1]
    if (!bytes || bytes.length > CACHED_VALUE_MAX) return this.#value(index)
    const last = lastValueBytes[k]
    if (last !== undefined && last.length === bytes.length && sameBytes(bytes, last)) return lastValueText[k]!
    const value = this.#value(index)
    lastValueBytes[k] = Buffer.from(bytes)
    lastValueText[k] = value
    return value
  }

  get size(): number {
    return new Set(this.#entries.map(([key]) => key.toString('latin1'))).size
  }

  get(name: string): string | undefined {
    const k = knownIndex(name)
    const index = k < 0 ? this.#index(name) : this.#knownAt(k, name)
    if (index < 0) return undefined
    return k < 0 ? this.#value(index) : this.#knownValue(k, index)
  }

  has(name: string): boolean {
    const k = knownIndex(name)
    return (k < 0 ? this.#index(name) : this.#knownAt(k, name)) >= 0
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
