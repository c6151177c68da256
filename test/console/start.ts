// The console as its own tests start it: with its model in view, so that a test waits on a sample
// instead of on time.
import type { ConsoleOptions } from '../../src/console/index.ts'
import { resolveConsoleOptions } from '../../src/console/options.ts'
import { serveConsole, type ServedConsole } from '../../src/console/server.ts'

export async function startConsole(options: ConsoleOptions): Promise<ServedConsole> {
  // Options are checked first: a mistake rejects, as the public startConsole does.
  return await serveConsole(resolveConsoleOptions(options))
}
