// Where the CLI writes, and how it reaches Kafka: injectable so that tests run it in-process.
import type { ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'

export interface CliIo {
  out(line: string): void
  err(line: string): void
  env: NodeJS.ProcessEnv
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}

/** Brokers from --brokers, else KAFKA_BROKERS. */
export function clientFrom(brokers: string | undefined, io: CliIo): ClientOptions {
  const value = brokers ?? io.env['KAFKA_BROKERS']
  if (!value) {
    throw new KafkitError(
      ErrorCodes.CONFIG_INVALID,
      'no brokers: pass --brokers host:port or set KAFKA_BROKERS (e.g. 127.0.0.1:9092)',
    )
  }
  return { brokers: value.split(',').map((s) => s.trim()), clientId: 'kafkit-cli' }
}

/** A fixed-width table, for terminals. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
}
