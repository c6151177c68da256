import { randomFillSync } from 'node:crypto'
import type { Actor, Envelope } from './types.ts'

export interface CreateEnvelopeInput<TPayload, TType extends string = string> {
  type: TType
  version: string
  source: string
  payload: TPayload
  correlationId?: string | undefined
  causationId?: string | undefined
  actor?: Actor | undefined
  metadata?: Record<string, string> | undefined
  /** Defaults to a new UUIDv7. */
  id?: string | undefined
  /** Defaults to now. */
  timestamp?: Date | string | undefined
}

// uuid's v7() asks the OS for 16 random bytes per id; at tens of thousands of events a second that
// was a quarter of the producer's CPU. The bytes come from a pool instead, and v7's counter keeps
// ids monotonic within a millisecond as uuid does. The text is written straight from the fields
// (uuid's v7 builds a byte array, then formats it): the same id, in half the time.
const pool = new Uint8Array(16 * 512)
let poolAt = pool.length
let lastMs = -Infinity
let seq = 0

export function newEventId(): string {
  if (poolAt === pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  const at = poolAt
  poolAt += 16
  const now = Date.now()
  if (now > lastMs) {
    lastMs = now
    seq = ((pool[at + 6]! & 0x7f) << 24) | (pool[at + 7]! << 16) | (pool[at + 8]! << 8) | pool[at + 9]!
  } else if ((seq = (seq + 1) | 0) === 0) lastMs++
  return uuidV7Text(pool, at, lastMs, seq)
}

const HEX = Array.from({ length: 256 }, (_, i) => (i + 0x100).toString(16).slice(1))

/**
 * The UUIDv7 that uuid's `v7({ random, msecs, seq })` gives for `random` = the 16 bytes at `at`:
 * 48 bits of milliseconds, version 7, 31 bits of counter spread over bytes 6 to 10, variant 10,
 * then random bits.
 */
export function uuidV7Text(random: Uint8Array, at: number, msecs: number, counter: number): string {
  return (
    HEX[(msecs / 0x10000000000) & 0xff]! +
    HEX[(msecs / 0x100000000) & 0xff]! +
    HEX[(msecs / 0x1000000) & 0xff]! +
    HEX[(msecs / 0x10000) & 0xff]! +
    '-' +
    HEX[(msecs / 0x100) & 0xff]! +
    HEX[msecs & 0xff]! +
    '-' +
    HEX[0x70 | ((counter >>> 28) & 0x0f)]! +
    HEX[(counter >>> 20) & 0xff]! +
    '-' +
    HEX[0x80 | ((counter >>> 14) & 0x3f)]! +
    HEX[(counter >>> 6) & 0xff]! +
    '-' +
    HEX[((counter << 2) & 0xff) | (random[at + 10]! & 0x03)]! +
    HEX[random[at + 11]!]! +
    HEX[random[at + 12]!]! +
    HEX[random[at + 13]!]! +
    HEX[random[at + 14]!]! +
    HEX[random[at + 15]!]!
  )
}

/** Builds an envelope; a missing correlation id becomes a new id (never left empty). */
export function createEnvelope<TPayload, TType extends string>(
  input: CreateEnvelopeInput<TPayload, TType>,
): Envelope<TPayload, TType> {
  const envelope: Envelope<TPayload, TType> = {
    id: input.id ?? newEventId(),
    type: input.type,
    version: input.version,
    source: input.source,
    timestamp: toTimestamp(input.timestamp),
    correlation_id: input.correlationId ?? newEventId(),
    payload: input.payload,
  }
  if (input.causationId !== undefined) envelope.causation_id = input.causationId
  if (input.actor !== undefined) envelope.actor = input.actor
  if (input.metadata !== undefined) envelope.metadata = input.metadata
  return envelope
}

function toTimestamp(value: Date | string | undefined): string {
  if (value === undefined) return new Date().toISOString()
  return typeof value === 'string' ? value : value.toISOString()
}
