// What went wrong talking to brokers, in terms an operator can act on: the credentials were
// refused, TLS failed, the broker is unreachable, or it does not answer. The wire client nests its
// errors (MultipleErrors of retries, a NetworkError around the socket's error); this walks the chain.
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'

export type ConnectionFailure = 'authentication' | 'tls' | 'unreachable' | 'no-answer'

export interface Diagnosis {
  failure: ConnectionFailure
  /** The innermost message that shows it, e.g. "self-signed certificate in certificate chain". */
  detail: string
  /** Brokers the error names (`host:port`), if any. */
  brokers: string[]
}

/** Node's codes of certificate and handshake failures (openssl's verify errors, SNI mismatch). */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
])
const TLS_MESSAGES = [
  /Broker requires TLS/,
  /TLS handshake failed/,
  /before secure TLS connection was established/,
  /certificate/i,
  /\bSSL\b/,
]
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
])

/** The error, its causes and the members of aggregate errors, depth first. */
export function causeChain(error: unknown, seen = new Set<unknown>()): unknown[] {
  if (error === undefined || error === null || seen.has(error)) return []
  seen.add(error)
  const out: unknown[] = [error]
  if (error instanceof AggregateError) for (const inner of error.errors) out.push(...causeChain(inner, seen))
  if (error instanceof Error && error.cause !== undefined) out.push(...causeChain(error.cause, seen))
  return out
}

const codeOf = (e: unknown) => (e as { code?: unknown } | null)?.code
const messageOf = (e: unknown) => (e instanceof Error ? e.message : errorMessage(e))

/** Why a connection or request failed, or undefined when the broker answered (a protocol error). */
export function diagnose(error: unknown): Diagnosis | undefined {
  const chain = causeChain(error)
  const brokers = [
    ...new Set(chain.flatMap((e) => [...messageOf(e).matchAll(/Connection to (\S+:\d+)/g)].map((m) => m[1]!))),
  ]
  const found = (failure: ConnectionFailure, e: unknown): Diagnosis => ({ failure, detail: messageOf(e), brokers })
  const auth = chain.find((e) => codeOf(e) === 'PLT_KFK_AUTHENTICATION')
  if (auth) {
    const server = causeChain(auth)
      .map((e) => (e as { serverErrorMessage?: unknown }).serverErrorMessage)
      .find((m): m is string => typeof m === 'string' && m.length > 0)
    const said = messageOf(auth)
    const mechanism = /suitable SASL mechanism/.test(said) ? ' (the listener takes no SASL, or not this mechanism)' : ''
    return { failure: 'authentication', detail: server ? `${said} ${server}` : `${said}${mechanism}`, brokers }
  }
  const tls = chain.find((e) => {
    const code = codeOf(e)
    return (
      (typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_'))) ||
      TLS_MESSAGES.some((re) => re.test(messageOf(e)))
    )
  })
  if (tls) return found('tls', tls)
  const unreachable = chain.find((e) => {
    const code = codeOf(e)
    return (
      (typeof code === 'string' && UNREACHABLE_CODES.has(code)) || /^Connection to \S+ timed out/.test(messageOf(e))
    )
  })
  if (unreachable) return found('unreachable', unreachable)
  const silent = chain.find((e) => /Request timed out|no answer/i.test(messageOf(e)))
  if (silent) return found('no-answer', silent)
  if (chain.some((e) => /^Connection closed/.test(messageOf(e)))) {
    const detail = 'the broker closed the connection (as a listener that expects SASL or TLS does)'
    return { failure: 'unreachable', detail, brokers }
  }
  const other = chain.find((e) => /Connection error|Cannot connect/i.test(messageOf(e)))
  if (other) return found('unreachable', chain.at(-1))
  return undefined
}

const PHRASES: Record<ConnectionFailure, string> = {
  authentication: 'rejected the credentials',
  tls: 'failed the TLS handshake',
  unreachable: 'could not be reached',
  'no-answer': 'did not answer',
}

export const failureCodes = {
  authentication: ErrorCodes.AUTH_FAILED,
  tls: ErrorCodes.TLS_FAILED,
  unreachable: ErrorCodes.BROKER_UNAVAILABLE,
  'no-answer': ErrorCodes.BROKER_UNAVAILABLE,
} as const

/** "127.0.0.1:9094 rejected the credentials": brokers named by the error, else those contacted. */
export function describeFailure(diagnosis: Diagnosis, contacted: readonly string[]): string {
  const brokers = diagnosis.brokers.length > 0 ? diagnosis.brokers : contacted
  const who = brokers.length === 0 ? 'the brokers' : brokers.join(', ')
  return `${who} ${PHRASES[diagnosis.failure]}: ${diagnosis.detail}`
}

/**
 * A KafkitError for a failure to talk to the cluster: AUTH_FAILED, TLS_FAILED or
 * BROKER_UNAVAILABLE, with the brokers and the failure in `details`. `what` says which operation.
 */
export function connectionError(
  what: string,
  diagnosis: Diagnosis,
  contacted: readonly string[],
  options: { cause?: unknown; hint?: string } = {},
): KafkitError {
  const brokers = diagnosis.brokers.length > 0 ? diagnosis.brokers : [...contacted]
  const hint = options.hint ? ` (${options.hint})` : ''
  return new KafkitError(failureCodes[diagnosis.failure], `${what}: ${describeFailure(diagnosis, contacted)}${hint}`, {
    cause: options.cause,
    retryable: diagnosis.failure === 'unreachable' || diagnosis.failure === 'no-answer',
    details: { brokers, failure: diagnosis.failure },
  })
}

/** Whether the failure is one that waiting cannot fix: wrong credentials or TLS settings. */
export function isConfigurationFailure(diagnosis: Diagnosis | undefined): boolean {
  return diagnosis?.failure === 'authentication' || diagnosis?.failure === 'tls'
}
