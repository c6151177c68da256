// Exit codes of the kafkit command (documented in docs/cli.md) and the error that carries one.
import { ErrorCodes, KafkitError } from '../errors.ts'

export const ExitCodes = {
  /** Done. */
  OK: 0,
  /** The operation failed (a Kafka error, a record not found, a replay that could not send). */
  FAILED: 1,
  /** Bad arguments or configuration: nothing was done. */
  USAGE: 2,
  /** The brokers could not be reached, or rejected the credentials: nothing was done. */
  UNREACHABLE: 3,
  /** Refused for safety: a write without --allow-writes, a replay to a group that never read the topic, an offset reset of an active group. Nothing was changed. */
  REFUSED: 4,
} as const

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes]

/** An error the CLI prints as is (no stack) and exits with its code. */
export class CliError extends Error {
  readonly exitCode: ExitCode
  constructor(message: string, exitCode: ExitCode = ExitCodes.FAILED, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCodes.USAGE)
}

export function refused(message: string): CliError {
  return new CliError(message, ExitCodes.REFUSED)
}

const USAGE_CODES = new Set<string>([
  ErrorCodes.CONFIG_INVALID,
  ErrorCodes.CATALOG_INVALID,
  ErrorCodes.PAYLOAD_INVALID,
  ErrorCodes.TOPIC_NOT_FOUND,
  ErrorCodes.GROUP_NOT_FOUND,
])
const REFUSED_CODES = new Set<string>([ErrorCodes.GROUP_ACTIVE, ErrorCodes.REPLAY_TARGET_INVALID])

/** The exit code for anything a command threw. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode
  if (KafkitError.is(error)) {
    if (USAGE_CODES.has(error.code)) return ExitCodes.USAGE
    if (REFUSED_CODES.has(error.code)) return ExitCodes.REFUSED
    if (error.code === ErrorCodes.BROKER_UNAVAILABLE || error.code === ErrorCodes.AUTH_FAILED)
      return ExitCodes.UNREACHABLE
  }
  return ExitCodes.FAILED
}
