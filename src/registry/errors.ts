// Schema registry failures, each with a stable code: the registry is down, it refused the request,
// it does not know a schema, or it found a schema incompatible.
import { ErrorCodes, KafkitError, type ErrorCode, type KafkitErrorOptions } from '../errors.ts'

export class SchemaRegistryError extends KafkitError {
  constructor(code: ErrorCode, message: string, options: KafkitErrorOptions = {}) {
    super(code, message, options)
  }
}

/** The registry did not answer (connection refused, timeout, 5xx, 429) after every attempt. */
export function unavailable(what: string, url: string, attempts: number, cause: unknown): SchemaRegistryError {
  return new SchemaRegistryError(
    ErrorCodes.REGISTRY_UNAVAILABLE,
    `the schema registry at ${url} did not answer ${what} after ${attempts} attempt(s): ${describe(cause)}`,
    { retryable: true, cause, details: { url, attempts } },
  )
}

export function rejected(what: string, url: string, status: number, cause: unknown): SchemaRegistryError {
  const why =
    status === 401 || status === 403
      ? 'it refused the credentials (check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD)'
      : `HTTP ${status}: ${describe(cause)}`
  return new SchemaRegistryError(
    ErrorCodes.REGISTRY_REJECTED,
    `the schema registry at ${url} refused ${what}: ${why}`,
    {
      retryable: false,
      cause,
      details: { url, status },
    },
  )
}

export function unknownSchema(
  what: string,
  cause: unknown,
  details: Record<string, unknown> = {},
): SchemaRegistryError {
  return new SchemaRegistryError(ErrorCodes.SCHEMA_UNKNOWN, `the schema registry does not know ${what}`, {
    retryable: false,
    cause,
    details,
  })
}

export function incompatible(subject: string, cause: unknown): SchemaRegistryError {
  return new SchemaRegistryError(
    ErrorCodes.SCHEMA_INCOMPATIBLE,
    `the schema registry refused the schema for subject ${subject} as incompatible with its earlier versions: ${describe(cause)}`,
    { retryable: false, cause, details: { subject } },
  )
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message
  }
  return String(error)
}
