// A real pino logger whose lines a test can inspect (and assert that no secret was logged).
import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Logger } from '../../src/logging/index.ts'

export interface CapturedLogs {
  logger: Logger
  lines: Record<string, unknown>[]
  raw: string[]
  /** Lines whose message contains `text`. */
  matching(text: string): Record<string, unknown>[]
}

export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: Record<string, unknown>[] = []
  const raw: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue
        raw.push(line)
        lines.push(JSON.parse(line) as Record<string, unknown>)
      }
      callback()
    },
  })
  const logger = pino({ level }, sink)
  return {
    logger,
    lines,
    raw,
    matching: (text) => lines.filter((l) => typeof l['msg'] === 'string' && l['msg'].includes(text)),
  }
}
