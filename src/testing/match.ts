// Partial matching of payloads: the fields given must equal the event's (deeply); the rest is free.
import { isDeepStrictEqual } from 'node:util'

/** Every field optional, at every depth (arrays and dates are compared whole). */
export type DeepPartial<T> = T extends readonly unknown[] | Date | Buffer
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected) || expected instanceof Date)
    return isDeepStrictEqual(actual, expected)
  if (actual === null || typeof actual !== 'object') return false
  for (const [key, value] of Object.entries(expected)) {
    if (value === undefined) continue
    if (!matchesPartial((actual as Record<string, unknown>)[key], value)) return false
  }
  return true
}
