// Column values differ between drivers: int8 arrives as a string (pg, postgres) or a number
// (PGlite), bytea as a Buffer or a Uint8Array, json as an object or a string. kafkit's statements
// cast to types every driver returns alike where they can; these read the rest.
import type { Row } from './types.ts'

export function bigintOf(row: Row, column: string): bigint {
  const value = row[column]
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value)
  throw new TypeError(`column ${column}: expected an integer, got ${typeof value}`)
}

export function numberOf(row: Row, column: string): number {
  const value = row[column]
  if (typeof value === 'number') return value
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value)
  throw new TypeError(`column ${column}: expected a number, got ${typeof value}`)
}

export function textOf(row: Row, column: string): string {
  const value = row[column]
  if (typeof value === 'string') return value
  throw new TypeError(`column ${column}: expected text, got ${typeof value}`)
}

export function optionalTextOf(row: Row, column: string): string | undefined {
  const value = row[column]
  return value === null || value === undefined ? undefined : textOf(row, column)
}

export function bytesOf(row: Row, column: string): Buffer | undefined {
  const value = row[column]
  if (value === null || value === undefined) return undefined
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  throw new TypeError(`column ${column}: expected bytes, got ${typeof value}`)
}

/** A json column selected as text (`col::text`), parsed. */
export function jsonOf<T>(row: Row, column: string): T | undefined {
  const value = row[column]
  if (value === null || value === undefined) return undefined
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}

/** A double-quoted SQL identifier (schema and table names come from options, never from input). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
