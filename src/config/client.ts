// Connection settings shared by kafkit's producer, consumers and admin, and their translation to
// the wire client's options. (The config loader of src/config fills these from files and env.)
import { isIP } from 'node:net'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { ConfigError, formatIssues, type ValidationIssue } from '../errors.ts'
import { renamed } from '../util/deprecated.ts'
import { durationMs, type Duration } from '../util/duration.ts'

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER'

export interface SaslOptions {
  mechanism: SaslMechanism
  username?: string
  password?: string
  /** OAUTHBEARER token, or a function that fetches a fresh one. */
  token?: string | (() => string | Promise<string>)
}

export interface ClientOptions {
  /** `host:port` of one or more brokers. */
  brokers: string[]
  clientId?: string
  sasl?: SaslOptions
  /** TLS options (CA, cert, key...). `true` means TLS with the system's CAs. */
  tls?: TlsOptions | true
  /** SNI server name: `true` sends each broker's host name (Confluent Cloud needs it). */
  tlsServerName?: string | boolean
  /** How long a connection to a broker may take to open. Default: the wire client's (5 s). */
  connectTimeout?: Duration
  /** Bound of one request to one broker. Default: the publish deadline (produce), 5 s (metadata). */
  requestTimeout?: Duration
  /** @deprecated Use `connectTimeout` (removed in 1.0). */
  connectTimeoutMs?: number
  /** @deprecated Use `requestTimeout` (removed in 1.0). */
  requestTimeoutMs?: number
}

/** The client's timeouts in ms (undefined: not set), from their names or their deprecated names. */
export function clientTimeouts(client: ClientOptions): { connectMs?: number; requestMs?: number } {
  const named = renamed(client, { connectTimeoutMs: 'connectTimeout', requestTimeoutMs: 'requestTimeout' }, 'client')
  const issues: ValidationIssue[] = []
  const connectMs =
    named.connectTimeout === undefined
      ? undefined
      : durationMs(named.connectTimeout, 0, 'client.connectTimeout', issues)
  const requestMs =
    named.requestTimeout === undefined
      ? undefined
      : durationMs(named.requestTimeout, 0, 'client.requestTimeout', issues)
  if (issues.length > 0) throw new ConfigError(`invalid client options: ${formatIssues(issues)}`, issues)
  return { ...(connectMs !== undefined && { connectMs }), ...(requestMs !== undefined && { requestMs }) }
}

export interface WireConnectionOptions {
  bootstrapBrokers: string[]
  clientId: string
  sasl?: {
    mechanism: SaslMechanism
    username?: string
    password?: string
    token?: string | (() => string | Promise<string>)
  }
  tls?: TlsOptions
  tlsServerName?: string | boolean
  connectTimeout?: number
  requestTimeout?: number
}

/** `client` with its timeouts replaced (the deprecated names dropped, so that none is given twice). */
export function withTimeouts(
  client: ClientOptions,
  timeouts: { connectMs?: number; requestMs?: number },
): ClientOptions {
  const { connectTimeoutMs: _connect, requestTimeoutMs: _request, ...rest } = client
  const current = clientTimeouts(client)
  const connectMs = timeouts.connectMs ?? current.connectMs
  const requestMs = timeouts.requestMs ?? current.requestMs
  return {
    ...rest,
    ...(connectMs !== undefined && { connectTimeout: connectMs }),
    ...(requestMs !== undefined && { requestTimeout: requestMs }),
  }
}

/** Options every wire client (producer, consumer, admin) gets from kafkit's client settings. */
export function wireConnectionOptions(client: ClientOptions, clientId: string): WireConnectionOptions {
  const options: WireConnectionOptions = { bootstrapBrokers: client.brokers, clientId: client.clientId ?? clientId }
  if (client.sasl) options.sasl = { ...client.sasl }
  if (client.tls) options.tls = client.tls === true ? {} : client.tls
  if (client.tlsServerName === true && client.brokers.every(isIpAddress)) {
    // SNI carries host names only (RFC 6066): brokers reached by IP address send none.
    options.tlsServerName = false
  } else if (client.tlsServerName !== undefined) options.tlsServerName = client.tlsServerName
  else if (client.tls) options.tlsServerName = !client.brokers.every(isIpAddress)
  const { connectMs, requestMs } = clientTimeouts(client)
  if (connectMs !== undefined) options.connectTimeout = connectMs
  if (requestMs !== undefined) options.requestTimeout = requestMs
  return options
}

function isIpAddress(broker: string): boolean {
  if (broker.startsWith('[')) return isIP(broker.slice(1, broker.indexOf(']'))) !== 0
  const colon = broker.lastIndexOf(':')
  return isIP(colon < 0 ? broker : broker.slice(0, colon)) !== 0
}
