// kafkit logs through an injected pino-compatible logger; without one it makes a pino logger at
// LOG_LEVEL: JSON lines, or human-readable lines when stdout is a terminal. Secrets are censored.
import { createRequire } from 'node:module'
import { pino, type DestinationStream } from 'pino'
import { SECRET_LOG_PATHS } from '../config/redact.ts'
import { ConfigError } from '../errors.ts'

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
  /** The fields bound so far (pino has it): withFields leaves out what is already there. */
  bindings?(): Record<string, unknown>
}

/**
 * A child logger with these fields, leaving out those the logger already binds with the same value:
 * pino writes a field once per binding, so `service` bound by the application and again by kafkit
 * would appear twice in one JSON line.
 */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const bound = typeof logger.bindings === 'function' ? logger.bindings() : {}
  const fresh = Object.entries(fields).filter(([key, value]) => bound[key] !== value)
  return fresh.length === 0 ? logger : logger.child(Object.fromEntries(fresh))
}

export type LogFormat = 'auto' | 'json' | 'pretty'

export interface LoggerOptions {
  /** Shown as `name` on every line. Default "kafkit". */
  name?: string
  /** Default: LOG_LEVEL, else "info". */
  level?: string
  /** `auto` (default): pretty when stdout is a terminal, JSON otherwise. */
  format?: LogFormat
  /** Where lines go. Default: stdout. */
  destination?: DestinationStream
  /** Fields on every line, e.g. `{ service: 'order-service' }`. */
  bindings?: Record<string, unknown>
}

/** A pino logger with kafkit's conventions: level from config, secrets censored, pretty in a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['LOG_LEVEL'] ?? 'info'
  const format = options.format ?? 'auto'
  const pretty = usePretty(format, options.destination)
  const pinoOptions = {
    name: options.name ?? 'kafkit',
    level,
    redact: { paths: [...SECRET_LOG_PATHS], censor: '[redacted]' },
  }
  const destination = (pretty && prettyStream(options.destination, format)) || options.destination
  const logger = destination ? pino(pinoOptions, destination) : pino(pinoOptions)
  return options.bindings ? logger.child(options.bindings) : logger
}

function usePretty(format: LogFormat, destination: DestinationStream | undefined): boolean {
  if (format === 'pretty') return true
  if (format === 'json' || destination) return false
  return process.stdout.isTTY === true
}

// pino-pretty is loaded only when a terminal needs it: production JSON logging never pays for it.
// It is an optional dependency (`npm install --omit=optional` leaves it out): without it, `auto`
// writes JSON and an explicit `pretty` is a configuration mistake that says what to install.
function prettyStream(destination: DestinationStream | undefined, format: LogFormat): DestinationStream | undefined {
  const require = createRequire(import.meta.url)
  let pretty: (options: object) => DestinationStream
  try {
    pretty = require('pino-pretty') as typeof pretty
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err
    if (format === 'auto') return undefined
    const message = 'LOG_FORMAT=pretty needs the optional package pino-pretty: npm install pino-pretty'
    throw new ConfigError(message, [], { cause: err })
  }
  return pretty({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Synchronous, so that the last lines before an exit are not lost.
    sync: true,
    ...(destination && { destination }),
  })
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])

/** The logger of clients made without one: LOG_LEVEL and LOG_FORMAT from the environment. */
export function defaultLogger(name = 'kafkit'): Logger {
  const level = process.env['LOG_LEVEL']
  const format = process.env['LOG_FORMAT']
  const logger = createLogger({
    name,
    // A mistyped variable must not crash a library call; loadConfig reports it properly.
    level: level !== undefined && LEVELS.has(level) ? level : 'info',
    ...(format === 'json' || format === 'pretty' ? { format } : {}),
  })
  if (level !== undefined && !LEVELS.has(level))
    logger.warn({ LOG_LEVEL: level }, 'LOG_LEVEL is not a level; using info')
  return logger
}

/** A logger that drops everything (for tests and tools that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
