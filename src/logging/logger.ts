// kafkit logs through an injected pino-compatible logger; without one it uses pino at LOG_LEVEL.
import { pino } from 'pino'

/** The subset of pino's logger kafkit calls: any pino logger (or compatible) fits. */
export interface Logger {
  level: string
  trace(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  fatal(obj: object, msg?: string): void
  child(bindings: Record<string, unknown>): Logger
}

export function defaultLogger(name = 'kafkit'): Logger {
  return pino({ name, level: process.env['LOG_LEVEL'] ?? 'info' })
}

/** A logger that drops everything (for tests and tools that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
