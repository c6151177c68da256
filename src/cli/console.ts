// kafkit console: the web console on 127.0.0.1:8090, with the same configuration as every kafkit
// program. Runs until Ctrl-C.
import { Command } from 'commander'
import type { Catalog } from '../catalog/catalog.ts'
import { startConsole } from '../console/index.ts'
import { SchemaRegistry } from '../registry/client.ts'
import { DEFAULT_CONSOLE_PORT } from '../console/options.ts'
import { wholeNumber, durationArg } from './args.ts'
import { loadCatalog } from './catalog-module.ts'
import type { CliContext } from './context.ts'
import { ExitCodes } from './exit.ts'

interface ConsoleFlags {
  host: string
  port: number
  allowWrites?: boolean
  token?: string
  catalog?: string
  health?: string[]
  refresh?: number
}

export function consoleCommand(ctx: CliContext): Command {
  return new Command('console')
    .description('serve the kafkit console (topics, groups and lag, DLQ and replay, catalog, tail) until Ctrl-C')
    .option('--host <address>', 'address to listen on (beyond loopback a token is required)', '127.0.0.1')
    .option(
      '--port <n>',
      `port (0: any free one; default ${DEFAULT_CONSOLE_PORT})`,
      (v) => wholeNumber('--port', v, { max: 65535 }),
      DEFAULT_CONSOLE_PORT,
    )
    .option('--allow-writes', 'allow replays and offset resets from the page (default: read-only)')
    .option('--token <token>', 'require this token (default: KAFKIT_CONSOLE_TOKEN; required beyond loopback)')
    .option(
      '--catalog <module#export>',
      'the catalog module (default: KAFKIT_CATALOG), for the Catalog page and badges',
    )
    .option(
      '--health <url>',
      "a service's health endpoint, e.g. http://127.0.0.1:8081/ready (repeatable)",
      (v, previous: string[] = []) => [...previous, v],
    )
    .option('--refresh <duration>', 'how often the cluster is read (default 5s)', (v) =>
      durationArg('--refresh', v, { min: 500 }),
    )
    .action(async (flags: ConsoleFlags) => {
      const { io } = ctx
      const catalogSpec = flags.catalog ?? io.env['KAFKIT_CATALOG']
      const catalog: Catalog | undefined = catalogSpec ? await loadCatalog(catalogSpec, io) : undefined
      const token = flags.token ?? (io.env['KAFKIT_CONSOLE_TOKEN'] || undefined)
      const config = ctx.config()
      const client = await ctx.client()
      // The same registry settings as the services (SCHEMA_REGISTRY_URL and its credentials).
      const registry = config.registry ? new SchemaRegistry(config.registry) : undefined
      const running = await startConsole({
        client,
        host: flags.host,
        port: flags.port,
        allowWrites: flags.allowWrites ?? false,
        ...(token !== undefined && { token }),
        ...(catalog && { catalog }),
        ...(registry && { registry }),
        healthUrls: flags.health ?? [],
        ...(flags.refresh !== undefined && { refreshInterval: flags.refresh }),
        connection: describeConnection(config.client),
      })
      io.out(`kafkit console at ${running.url}${token ? ' (open it once with ?token=<your token>)' : ''}`)
      io.out(
        `${flags.allowWrites ? 'replays and offset resets allowed' : 'read-only (--allow-writes to replay or reset offsets)'}; Ctrl-C stops it`,
      )
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      await running.close()
      registry?.close()
      process.exitCode = ExitCodes.OK
    })
}

/** Brokers and security as the page shows them: never a password or token. */
export function describeConnection(client: {
  brokers: string[]
  sasl?: { mechanism: string } | undefined
  tls?: unknown
}): string {
  const security =
    `${client.sasl ? 'SASL' : ''}${client.sasl && client.tls ? '_' : ''}${client.tls ? 'SSL' : ''}` || 'PLAINTEXT'
  return `${client.brokers.join(',')} (${security}${client.sasl ? ` ${client.sasl.mechanism}` : ''})`
}
