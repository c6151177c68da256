// checkConnection: one metadata request, hedged across the brokers and bounded, so that a service
// learns at start — in seconds, not after a 30 s publish deadline — that the brokers are
// unreachable, silent, or reject its credentials or TLS settings, with a message that says which
// setting to look at. Never echoes a secret.
import { clientTimeouts, withTimeouts, type ClientOptions } from '../config/client.ts'
import type { KafkitConfig } from '../config/load.ts'
import { connectionError, type Diagnosis } from '../cluster/diagnose.ts'
import { ClusterView } from '../cluster/view.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import type { Duration } from '../util/duration.ts'
import { timeoutOf } from '../util/timeout.ts'

export interface ConnectionInfo {
  brokers: number
  clusterId: string | undefined
}

export interface CheckConnectionOptions {
  /** Where the settings came from, so the message can name the variables to fix. */
  config?: Pick<KafkitConfig, 'settings'>
  /** The whole check's bound. Default 10 s. */
  timeout?: Duration
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number
}

/**
 * Resolves with the cluster's broker count, or rejects within `timeout` with KAFKIT_AUTH_FAILED,
 * KAFKIT_TLS_FAILED or KAFKIT_BROKER_UNAVAILABLE naming the brokers and the setting to check.
 */
export async function checkConnection(
  client: ClientOptions,
  options: CheckConnectionOptions = {},
): Promise<ConnectionInfo> {
  const timeoutMs = timeoutOf(options, 10_000, 'checkConnection')
  const view = new ClusterView({
    client: withTimeouts(client, { connectMs: Math.min(clientTimeouts(client).connectMs ?? timeoutMs, timeoutMs) }),
    clientId: client.clientId ?? 'kafkit-connection-check',
    requestTimeoutMs: timeoutMs,
  })
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(silence(client, timeoutMs)), timeoutMs)
  })
  try {
    await Promise.race([view.refresh(), late])
    return { brokers: view.brokerCount, clusterId: view.clusterId }
  } catch (error) {
    throw withHint(client, error, options.config)
  } finally {
    clearTimeout(timer)
    await view.close()
  }
}

function silence(client: ClientOptions, timeoutMs: number): KafkitError {
  const diagnosis: Diagnosis = {
    failure: 'no-answer',
    detail: `timed out, no answer within ${timeoutMs} ms`,
    brokers: [],
  }
  return connectionError('connect', diagnosis, client.brokers)
}

/** The same failure, with the settings to check and where they came from. */
function withHint(client: ClientOptions, error: unknown, config: CheckConnectionOptions['config']): KafkitError {
  if (!KafkitError.is(error)) {
    return new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `connect: ${String(error)}`, {
      cause: error,
      retryable: true,
      details: { brokers: client.brokers },
    })
  }
  const brokers = (error.details['brokers'] as string[] | undefined) ?? client.brokers
  const detail = error.message.replace(/^[^:]+: /, '')
  if (error.code === ErrorCodes.AUTH_FAILED) {
    if (/takes no SASL/.test(error.message)) {
      const where = sourcesOf(config, ['client.securityProtocol', 'client.sasl.mechanism'])
      const message = `${brokers.join(', ')} takes no SASL ${client.sasl?.mechanism ?? ''} on this listener: check ${where || 'the security protocol and SASL mechanism'}`
      return new KafkitError(ErrorCodes.AUTH_FAILED, message, { cause: error, details: error.details })
    }
    const who = client.sasl
      ? `mechanism ${client.sasl.mechanism}${client.sasl.username ? `, user ${client.sasl.username}` : ''}`
      : 'no SASL configured'
    const where = sourcesOf(config, ['client.sasl.username', 'client.sasl.password', 'client.sasl.token'])
    return new KafkitError(
      ErrorCodes.AUTH_FAILED,
      `${brokers.join(', ')} rejected the credentials (${who}): check ${where || 'the SASL username and password'}`,
      { cause: error, details: error.details },
    )
  }
  const protocol = config?.settings.find((s) => s.path === 'client.securityProtocol')?.value
  if (error.code === ErrorCodes.TLS_FAILED) {
    const where = sourcesOf(config, ['client.tls.caFile', 'client.tls.serverName', 'client.tls.rejectUnauthorized'])
    const hint = client.tls
      ? `check ${where || 'the CA certificate and the server name'}, and that the listener speaks TLS`
      : 'the listener expects TLS: set the security protocol to SSL or SASL_SSL'
    return new KafkitError(ErrorCodes.TLS_FAILED, `connect: ${detail} (${hint})`, {
      cause: error,
      details: error.details,
    })
  }
  const from = sourcesOf(config, ['client.brokers'])
  const where = from ? ` (brokers from ${from}, security protocol ${String(protocol)})` : ''
  return new KafkitError(error.code, `no broker of ${client.brokers.join(',')} answered: ${detail}${where}`, {
    cause: error,
    retryable: error.retryable,
    details: error.details,
  })
}

function sourcesOf(config: CheckConnectionOptions['config'], paths: string[]): string {
  if (!config) return ''
  return config.settings
    .filter((s) => paths.includes(s.path) && s.value !== undefined)
    .map((s) => s.source)
    .join(' and ')
}
