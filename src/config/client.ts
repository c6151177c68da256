// Connection settings shared by kafkit's producer, consumers and admin, and their translation to
// the wire client's options. (The config loader of src/config fills these from files and env.)
import { isIP } from 'node:net'
import type { ConnectionOptions as TlsOptions } from 'node:tls'

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
  connectTimeoutMs?: number
  requestTimeoutMs?: number
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
  if (client.connectTimeoutMs !== undefined) options.connectTimeout = client.connectTimeoutMs
  if (client.requestTimeoutMs !== undefined) options.requestTimeout = client.requestTimeoutMs
  return options
}

function isIpAddress(broker: string): boolean {
  if (broker.startsWith('[')) return isIP(broker.slice(1, broker.indexOf(']'))) !== 0
  const colon = broker.lastIndexOf(':')
  return isIP(colon < 0 ? broker : broker.slice(0, colon)) !== 0
}
