// Where the CLI writes: injectable so that tests run it in-process.
import type { ClientOptions } from '../config/client.ts'
import { loadConfig } from '../config/load.ts'
export interface CliIo {
  out(line: string): void
  err(line: string): void
  env: NodeJS.ProcessEnv
  /** Working directory for relative paths (config file, catalog module). Default: process.cwd(). */
  cwd?: string
  /** Writes a status line in place (no newline); only on a terminal, where progress bars are drawn. */
  status?: (text: string) => void
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  ...(process.stderr.isTTY && { status: (text: string) => void process.stderr.write(`\r${text}\u001b[K`) }),
}

/** A fixed-width table, for terminals. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
}

/** JSON that can hold bigints (as strings) and Maps (as objects). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown): unknown =>
    typeof v === 'bigint' ? v.toString() : v instanceof Map ? (Object.fromEntries(v) as unknown) : v,
  )
}

/**
 * The client options of the configuration (defaults < file < environment), with `brokers` (from
 * --brokers) over them: what a command uses when it does not go through `CliContext`.
 */
export function clientFrom(brokers: string | undefined, io: CliIo): ClientOptions {
  const env = brokers === undefined ? io.env : { ...io.env, KAFKA_BROKERS: brokers }
  const config = loadConfig({ argv: [], env, ...(io.cwd !== undefined && { cwd: io.cwd }) })
  return { ...config.client, clientId: config.client.clientId ?? 'kafkit-cli' }
}
