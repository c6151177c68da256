// What every command shares: the configuration (read like any kafkit program's: defaults < file <
// environment, with --brokers and --config on top), a connection checked once within --timeout,
// and one admin client. A wrong address or password fails here, in seconds, naming the brokers,
// the cause and the settings to fix; never printing a secret.
import { Admin } from '@platformatic/kafka'
import { clientTimeouts, withTimeouts, wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { loadConfig, type KafkitConfig } from '../config/load.ts'
import { checkConnection } from '../kafkit/connect.ts'
import { durationArg } from './args.ts'
import type { CliIo } from './io.ts'

export interface GlobalFlags {
  brokers?: string
  config?: string
  timeout?: string
}

export const DEFAULT_TIMEOUT = '10s'

export class CliContext {
  readonly io: CliIo
  readonly #flags: () => GlobalFlags
  #config: KafkitConfig | undefined
  #client: Promise<ClientOptions> | undefined
  #admin: Admin | undefined
  readonly #closers: (() => Promise<unknown>)[] = []

  constructor(io: CliIo, flags: () => GlobalFlags) {
    this.io = io
    this.#flags = flags
  }

  get timeoutMs(): number {
    return durationArg('--timeout', this.#flags().timeout ?? DEFAULT_TIMEOUT)
  }

  /** The configuration, validated (a mistake fails with every problem listed, exit code 2). */
  config(): KafkitConfig {
    if (this.#config) return this.#config
    const flags = this.#flags()
    const env = { ...this.io.env }
    if (flags.brokers !== undefined) env['KAFKA_BROKERS'] = flags.brokers
    this.#config = loadConfig({
      argv: flags.config === undefined ? [] : ['--config', flags.config],
      env,
      ...(this.io.cwd !== undefined && { cwd: this.io.cwd }),
    })
    return this.#config
  }

  /** Client options after one metadata request has answered (checked once per run). */
  client(): Promise<ClientOptions> {
    this.#client ??= this.#connect()
    return this.#client
  }

  async #connect(): Promise<ClientOptions> {
    const config = this.config()
    const timeoutMs = this.timeoutMs
    const configured = clientTimeouts(config.client)
    const client: ClientOptions = withTimeouts(
      { ...config.client, clientId: config.client.clientId ?? 'kafkit-cli' },
      // A broker that accepts connections and never answers must not hold the tool for minutes.
      {
        connectMs: configured.connectMs ?? timeoutMs,
        requestMs: configured.requestMs ?? Math.max(timeoutMs, 5_000),
      },
    )
    await checkConnection(client, { config, timeout: timeoutMs })
    return client
  }

  /** One admin client for the run, closed by `close()`. */
  async admin(): Promise<Admin> {
    if (this.#admin) return this.#admin
    const admin = new Admin({ ...wireConnectionOptions(await this.client(), 'kafkit-cli'), retries: 1 })
    this.#admin = admin
    this.onClose(() => admin.close())
    return admin
  }

  onClose(close: () => Promise<unknown>): void {
    this.#closers.push(close)
  }

  async close(): Promise<void> {
    for (const close of this.#closers.reverse()) await close().catch(() => undefined)
    this.#closers.length = 0
  }
}
