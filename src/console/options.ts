// The console's options, checked before anything starts.
import type { Catalog } from '../catalog/catalog.ts'
import type { ClientOptions } from '../config/client.ts'
import { ConfigError } from '../errors.ts'
import type { ValidationIssue } from '../errors.ts'
import { renamed } from '../util/deprecated.ts'
import { durationMs, type Duration } from '../util/duration.ts'
import type { Logger } from '../logging/logger.ts'
import { isLoopback } from './auth.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import type { SchemaSource } from './schemas.ts'

export interface ConsoleOptions {
  client: ClientOptions
  /** Default 127.0.0.1. Any other address requires `token`. */
  host?: string
  /** Default 8090; 0 picks a free port. */
  port?: number
  /** Replays and offset resets; default false (read-only). */
  allowWrites?: boolean
  /** Required beyond loopback; optional on loopback (then required there too). */
  token?: string
  catalog?: Catalog
  /**
   * A schema registry: the Catalog page shows the schemas it holds, and registry-encoded records
   * (Confluent wire format) are decoded on the Tail page. The console does not close it.
   */
  registry?: SchemaRegistry
  /** Where the Catalog page's schemas come from (default: the registry's, else the validators' JSON Schemas). */
  schemas?: SchemaSource
  /** Health endpoints of services (GET returns kafkit's health report, e.g. /ready of the examples). */
  healthUrls?: readonly string[]
  /** How often the cluster is read. Default 5 s. */
  refreshInterval?: Duration
  /** How much history the charts keep. Default 15 min. */
  history?: Duration
  /** @deprecated Use `refreshInterval` (removed in 1.0). */
  refreshMs?: number
  /** @deprecated Use `history` (removed in 1.0). */
  historyMs?: number
  /** Shown in the header: brokers and security, never a secret. Default: the brokers. */
  connection?: string
  logger?: Logger
}

export interface ResolvedConsoleOptions extends ConsoleOptions {
  host: string
  port: number
  allowWrites: boolean
  refreshMs: number
  historyMs: number
  healthUrls: readonly string[]
  connection: string
}

export const DEFAULT_CONSOLE_PORT = 8090

export function resolveConsoleOptions(given: ConsoleOptions): ResolvedConsoleOptions {
  const options = renamed(given, { refreshMs: 'refreshInterval', historyMs: 'history' }, 'console')
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? DEFAULT_CONSOLE_PORT
  const issues: string[] = []
  if (!Number.isInteger(port) || port < 0 || port > 65535) issues.push(`port ${port} must be 0 to 65535`)
  if (options.token !== undefined && options.token.length < 16)
    issues.push('the token must be at least 16 characters (e.g. `openssl rand -hex 16`)')
  if (!isLoopback(host) && options.token === undefined)
    issues.push(
      `the console listens on ${host}, beyond this machine: give a token (--token or KAFKIT_CONSOLE_TOKEN), or listen on 127.0.0.1`,
    )
  for (const url of options.healthUrls ?? []) if (!URL.canParse(url)) issues.push(`health url ${url} is not a URL`)
  const timing: ValidationIssue[] = []
  const refreshMs = durationMs(options.refreshInterval, 5_000, 'refreshInterval', timing)
  const historyMs = durationMs(options.history, 15 * 60_000, 'history', timing)
  issues.push(...timing.map((i) => `${i.path}: ${i.message}`))
  if (issues.length > 0) throw new ConfigError(`invalid console options: ${issues.join('; ')}`)
  return {
    ...options,
    host,
    port,
    allowWrites: options.allowWrites ?? false,
    refreshMs,
    historyMs,
    healthUrls: options.healthUrls ?? [],
    connection: options.connection ?? options.client.brokers.join(','),
  }
}
