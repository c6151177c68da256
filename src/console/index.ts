// kafkit console: a web page for topics, consumer groups and lag, the DLQ (with replay) and the
// catalog, served by `kafkit console` (Fastify is loaded only then).
import { resolveConsoleOptions, type ConsoleOptions } from './options.ts'
import { serveConsole, type RunningConsole } from './server.ts'

export { DEFAULT_CONSOLE_PORT, type ConsoleOptions } from './options.ts'
export type { RunningConsole } from './server.ts'
export type { SchemaSource, ShownSchema } from './schemas.ts'

/** Starts the console; resolves once it listens. Options are checked first (ConfigError). */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const served = await serveConsole(resolveConsoleOptions(options))
  return { url: served.url, close: () => served.close() }
}
