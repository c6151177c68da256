// The kafkit command: on-call tooling for kafkit topics, groups and dead-letter queues.
import { Command } from 'commander'
import { errorMessage } from '../errors.ts'
import { VERSION } from '../version.ts'
import { asyncapiCommand } from './asyncapi.ts'
import { consoleCommand } from './console.ts'
import { CliContext, DEFAULT_TIMEOUT, type GlobalFlags } from './context.ts'
import { dlqCommand } from './dlq.ts'
import { ExitCodes, exitCodeOf, type ExitCode } from './exit.ts'
import { groupsCommand } from './groups.ts'
import { processIo, type CliIo } from './io.ts'
import { produceCommand } from './produce.ts'
import { schemaCommand } from './schema.ts'
import { tailCommand } from './tail.ts'
import { topicsCommand } from './topics.ts'

export function createProgram(io: CliIo = processIo): { program: Command; context: CliContext } {
  const program = new Command('kafkit')
    .description(
      'kafkit tools: topics, consumer groups and lag, dead-letter queues and replay, tailing, the console, schemas, AsyncAPI',
    )
    .version(VERSION)
    .option('--brokers <list>', 'host:port[,host:port] (default: KAFKA_BROKERS, the config file, 127.0.0.1:9092)')
    .option('--config <path>', 'a kafkit.yaml (default: KAFKIT_CONFIG, ./kafkit.yaml, ./configs/kafkit.yaml)')
    .option('--timeout <duration>', `how long to wait for the brokers to answer (default ${DEFAULT_TIMEOUT})`)
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(add --help for usage)')
  const context = new CliContext(io, () => program.opts<GlobalFlags>())
  program.addCommand(topicsCommand(context))
  program.addCommand(groupsCommand(context))
  program.addCommand(dlqCommand(context))
  program.addCommand(tailCommand(context))
  program.addCommand(produceCommand(context))
  program.addCommand(consoleCommand(context))
  program.addCommand(schemaCommand(io, () => program.opts<GlobalFlags>().brokers))
  program.addCommand(asyncapiCommand(io))
  return { program, context }
}

/** Runs the CLI; resolves to the exit code (errors are printed, never thrown). Codes: docs/cli.md. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  const { program, context } = createProgram(io)
  const override = (command: Command): void => {
    command.exitOverride()
    command.commands.forEach(override)
  }
  override(program)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return ExitCodes.OK
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code?.startsWith('commander.')) {
      // Help and version exit 0; every other commander error is a usage mistake, already printed.
      return (error as { exitCode?: number }).exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE
    }
    io.err(`kafkit: ${errorMessage(error)}`)
    return exitCodeOf(error)
  } finally {
    await context.close()
  }
}
