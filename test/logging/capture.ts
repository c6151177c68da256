// A kafkit logger (createLogger: redaction, levels) whose JSON lines a test can read.
import { Writable } from 'node:stream'
import { createLogger, type Logger, type LoggerOptions } from 'kafkit'

export interface LogSink {
  logger: Logger
  /** Every line as written. */
  raw: string[]
  lines(): Record<string, unknown>[]
}

export function captureKafkitLogs(options: Omit<LoggerOptions, 'destination'> = {}): LogSink {
  const raw: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(...chunk.toString().split('\n').filter(Boolean))
      callback()
    },
  })
  const logger = createLogger({ level: 'trace', ...options, destination })
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) }
}
