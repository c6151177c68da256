// checkConnection: one metadata request, no retries, so that a service learns at start — in a
// second, not after a 30 s publish deadline — that the brokers are unreachable or reject its
// credentials, with a message that says which setting to look at. Never echoes a secret.
import { Admin } from '@platformatic/kafka'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import type { KafkitConfig } from '../config/load.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'

export interface ConnectionInfo {
  brokers: number
  clusterId: string | undefined
}

export interface CheckConnectionOptions {
  /** Where the settings came from, so the message can name the variables to fix. */
  config?: Pick<KafkitConfig, 'settings'>
  /** Default 10 s. */
  timeoutMs?: number
}

/** Resolves with the cluster's broker count, or rejects with KAFKIT_AUTH_FAILED / KAFKIT_BROKER_UNAVAILABLE. */
export async function checkConnection(
  client: ClientOptions,
  options: CheckConnectionOptions = {},
): Promise<ConnectionInfo> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const admin = new Admin({
    ...wireConnectionOptions(client, 'kafkit-connection-check'),
    retries: 0,
    connectTimeout: Math.min(client.connectTimeoutMs ?? timeoutMs, timeoutMs),
    requestTimeout: timeoutMs,
  })
  try {
    const metadata = await admin.metadata({ topics: [] })
    return { brokers: metadata.brokers.size, clusterId: metadata.id }
  } catch (error) {
    throw connectionError(client, error, options.config)
  } finally {
    await admin.close().catch(() => undefined)
  }
}

function connectionError(client: ClientOptions, error: unknown, config: CheckConnectionOptions['config']): KafkitError {
  const brokers = client.brokers.join(',')
  const causes = causeChain(error)
  const auth = causes.find((e) => (e as { code?: unknown }).code === 'PLT_KFK_AUTHENTICATION')
  if (auth) {
    const who = client.sasl
      ? `mechanism ${client.sasl.mechanism}${client.sasl.username ? `, user ${client.sasl.username}` : ''}`
      : 'no SASL configured'
    const where = sourcesOf(config, ['client.sasl.username', 'client.sasl.password', 'client.sasl.token'])
    return new KafkitError(
      ErrorCodes.AUTH_FAILED,
      `${brokers} rejected the credentials (${who}): check ${where || 'the SASL username and password'}`,
      { cause: auth, details: { brokers: client.brokers } },
    )
  }
  const root = causes.at(-1)
  const reason = root instanceof Error ? root.message : String(root)
  const from = sourcesOf(config, ['client.brokers'])
  const protocol = config?.settings.find((s) => s.path === 'client.securityProtocol')?.value
  const where = from ? ` (brokers from ${from}, security protocol ${String(protocol)})` : ''
  return new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `no broker of ${brokers} answered: ${reason}${where}`, {
    cause: error,
    retryable: true,
    details: { brokers: client.brokers },
  })
}

/** The error, its causes and the members of aggregate errors, depth first. */
function causeChain(error: unknown, seen = new Set<unknown>()): unknown[] {
  if (error === undefined || error === null || seen.has(error)) return []
  seen.add(error)
  const out: unknown[] = [error]
  if (error instanceof AggregateError) for (const inner of error.errors) out.push(...causeChain(inner, seen))
  if (error instanceof Error && error.cause !== undefined) out.push(...causeChain(error.cause, seen))
  return out
}

function sourcesOf(config: CheckConnectionOptions['config'], paths: string[]): string {
  if (!config) return ''
  return config.settings
    .filter((s) => paths.includes(s.path) && s.value !== undefined)
    .map((s) => s.source)
    .join(' and ')
}
