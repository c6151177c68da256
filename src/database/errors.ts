// Database failures as kafkit errors: which statement failed, the SQLSTATE, and whether trying
// again can help (a lost connection or a serialization failure can; a syntax error cannot).
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'

/** SQLSTATE classes worth retrying: connection exceptions, transaction rollbacks, operator intervention, resources. */
const RETRYABLE_CLASSES = new Set(['08', '40', '53', '57', '58'])

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** True for errors that mean the connection is gone (the statement's outcome may be unknown). */
export function isConnectionLoss(error: unknown): boolean {
  const state = sqlState(error)
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P')
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|CONNECTION_)/.test(code)) return true
  return /connection|terminat|closed|ended|socket/i.test(errorMessage(error))
}

export function databaseError(what: string, error: unknown): KafkitError {
  if (KafkitError.is(error)) return error
  const state = sqlState(error)
  if (state === '42P01' || state === '3F000') {
    return new KafkitError(ErrorCodes.OUTBOX_NOT_MIGRATED, `${what}: ${errorMessage(error)} (run migrate() first)`, {
      cause: error,
      details: { sqlState: state },
    })
  }
  const retryable = state === undefined ? isConnectionLoss(error) : RETRYABLE_CLASSES.has(state.slice(0, 2))
  return new KafkitError(ErrorCodes.DATABASE_FAILED, `${what}: ${errorMessage(error)}`, {
    cause: error,
    retryable,
    details: state === undefined ? {} : { sqlState: state },
  })
}
