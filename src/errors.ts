// Every error kafkit throws: a class with a stable code, a `retryable` flag and a `cause`.
// Codes are documented in docs/errors.md (a test keeps the two in step). Never reuse a retired code.

export const ErrorCodes = {
  CONFIG_INVALID: 'KAFKIT_CONFIG_INVALID',
  ENVELOPE_INVALID: 'KAFKIT_ENVELOPE_INVALID',
  PAYLOAD_INVALID: 'KAFKIT_PAYLOAD_INVALID',
  DECODE_FAILED: 'KAFKIT_DECODE_FAILED',
  ENCODE_FAILED: 'KAFKIT_ENCODE_FAILED',
  CATALOG_INVALID: 'KAFKIT_CATALOG_INVALID',
  UNKNOWN_EVENT_TYPE: 'KAFKIT_UNKNOWN_EVENT_TYPE',
  UPCAST_FAILED: 'KAFKIT_UPCAST_FAILED',
  PUBLISH_FAILED: 'KAFKIT_PUBLISH_FAILED',
  PUBLISH_TIMEOUT: 'KAFKIT_PUBLISH_TIMEOUT',
  RECORD_TOO_LARGE: 'KAFKIT_RECORD_TOO_LARGE',
  PRODUCER_CLOSED: 'KAFKIT_PRODUCER_CLOSED',
  PRODUCER_BUFFER_FULL: 'KAFKIT_PRODUCER_BUFFER_FULL',
  TOPIC_PROVISION_FAILED: 'KAFKIT_TOPIC_PROVISION_FAILED',
  TOPIC_MISMATCH: 'KAFKIT_TOPIC_MISMATCH',
  HANDLER_FAILED: 'KAFKIT_HANDLER_FAILED',
  HANDLER_TIMEOUT: 'KAFKIT_HANDLER_TIMEOUT',
  NON_RETRYABLE: 'KAFKIT_NON_RETRYABLE',
  DLQ_WRITE_FAILED: 'KAFKIT_DLQ_WRITE_FAILED',
  CONSUMER_STATE: 'KAFKIT_CONSUMER_STATE',
  SHUTDOWN: 'KAFKIT_SHUTDOWN',
  BROKER_UNAVAILABLE: 'KAFKIT_BROKER_UNAVAILABLE',
  AUTH_FAILED: 'KAFKIT_AUTH_FAILED',
  DATABASE_FAILED: 'KAFKIT_DATABASE_FAILED',
  OUTBOX_NOT_MIGRATED: 'KAFKIT_OUTBOX_NOT_MIGRATED',
  RELAY_STATE: 'KAFKIT_RELAY_STATE',
  REGISTRY_UNAVAILABLE: 'KAFKIT_REGISTRY_UNAVAILABLE',
  REGISTRY_REJECTED: 'KAFKIT_REGISTRY_REJECTED',
  SCHEMA_UNKNOWN: 'KAFKIT_SCHEMA_UNKNOWN',
  SCHEMA_INCOMPATIBLE: 'KAFKIT_SCHEMA_INCOMPATIBLE',
  TOPIC_NOT_FOUND: 'KAFKIT_TOPIC_NOT_FOUND',
  GROUP_NOT_FOUND: 'KAFKIT_GROUP_NOT_FOUND',
  GROUP_ACTIVE: 'KAFKIT_GROUP_ACTIVE',
  REPLAY_TARGET_INVALID: 'KAFKIT_REPLAY_TARGET_INVALID',
  TLS_FAILED: 'KAFKIT_TLS_FAILED',
  TRANSACTION_FAILED: 'KAFKIT_TRANSACTION_FAILED',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

const brand = Symbol.for('kafkit.error')

export interface KafkitErrorOptions {
  retryable?: boolean
  cause?: unknown
  details?: Record<string, unknown>
}

export class KafkitError extends Error {
  readonly code: ErrorCode
  readonly retryable: boolean
  /** Structured facts about the failure (field names, topic, attempts). Never holds secrets. */
  readonly details: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: KafkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retryable = options.retryable ?? false
    this.details = options.details ?? {}
    Object.defineProperty(this, brand, { value: true })
  }

  /** Recognises kafkit errors even across duplicate copies of the package. */
  static is(value: unknown): value is KafkitError {
    return typeof value === 'object' && value !== null && brand in value
  }
}

/** One problem found by a validator: where (`path`, dotted) and what. */
export interface ValidationIssue {
  path: string
  message: string
}

export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
}

export class ConfigError extends KafkitError {
  readonly issues: readonly ValidationIssue[]
  constructor(message: string, issues: readonly ValidationIssue[] = [], options: KafkitErrorOptions = {}) {
    super(ErrorCodes.CONFIG_INVALID, message, options)
    this.issues = issues
  }
}

export class EnvelopeError extends KafkitError {
  readonly issues: readonly ValidationIssue[]
  constructor(issues: readonly ValidationIssue[], options: KafkitErrorOptions = {}) {
    super(ErrorCodes.ENVELOPE_INVALID, `invalid event envelope: ${formatIssues(issues)}`, options)
    this.issues = issues
  }
}

export class PayloadError extends KafkitError {
  readonly issues: readonly ValidationIssue[]
  constructor(
    eventType: string,
    version: string,
    issues: readonly ValidationIssue[],
    options: KafkitErrorOptions = {},
  ) {
    super(ErrorCodes.PAYLOAD_INVALID, `invalid payload for ${eventType} v${version}: ${formatIssues(issues)}`, {
      ...options,
      details: { eventType, version, ...options.details },
    })
    this.issues = issues
  }
}

export class DecodeError extends KafkitError {
  constructor(message: string, options: KafkitErrorOptions = {}) {
    super(ErrorCodes.DECODE_FAILED, message, options)
  }
}

export class CatalogError extends KafkitError {
  constructor(message: string, options: KafkitErrorOptions = {}) {
    super(ErrorCodes.CATALOG_INVALID, message, options)
  }
}

export class UnknownEventTypeError extends KafkitError {
  constructor(eventType: string, options: KafkitErrorOptions = {}) {
    super(ErrorCodes.UNKNOWN_EVENT_TYPE, `no event definition or handler for type "${eventType}"`, {
      ...options,
      details: { eventType, ...options.details },
    })
  }
}

export class PublishError extends KafkitError {}

/**
 * Thrown by user handlers to say "retrying cannot help": the event goes straight to the retry
 * topics' end (the DLQ) without in-process retries.
 */
export class NonRetryableError extends KafkitError {
  constructor(message: string, options: Omit<KafkitErrorOptions, 'retryable'> = {}) {
    super(ErrorCodes.NON_RETRYABLE, message, { ...options, retryable: false })
  }
}

/**
 * A handler threw or rejected with an error that is not a kafkit error: this wraps it (the original
 * is the `cause`, its retryable flag is kept) so that failure records carry a stable code.
 */
export class HandlerError extends KafkitError {
  constructor(cause: unknown) {
    super(ErrorCodes.HANDLER_FAILED, `the handler failed: ${errorMessage(cause)}`, {
      cause,
      retryable: isRetryable(cause),
    })
  }

  /** `error` as a kafkit error: kafkit errors as they are, anything else wrapped. */
  static of(error: unknown): KafkitError {
    return KafkitError.is(error) ? error : new HandlerError(error)
  }
}

/** A handler attempt ran past its timeout; its AbortSignal fired. */
export class HandlerTimeoutError extends KafkitError {
  constructor(timeoutMs: number) {
    super(ErrorCodes.HANDLER_TIMEOUT, `the handler did not finish within ${timeoutMs} ms`, { retryable: true })
  }
}

/** Work interrupted because the consumer is stopping: not a failure, the record is delivered again. */
export class ShutdownError extends KafkitError {
  constructor() {
    super(ErrorCodes.SHUTDOWN, 'the consumer is shutting down', { retryable: true })
  }
}

/** Whether an error may succeed on retry: kafkit errors say so; anything else is assumed transient. */
export function isRetryable(error: unknown): boolean {
  if (KafkitError.is(error)) return error.retryable
  if (typeof error === 'object' && error !== null) {
    const flag =
      (error as { retryable?: unknown; canRetry?: unknown }).retryable ?? (error as { canRetry?: unknown }).canRetry
    if (typeof flag === 'boolean') return flag
  }
  return true
}

/** A short, log-safe description of any thrown value. Never throws (BigInts, cycles). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    // Only BigInts and objects (cyclic, holding a BigInt, a throwing toJSON) make stringify throw.
    return typeof error === 'bigint' ? error.toString() : Object.prototype.toString.call(error)
  }
}
