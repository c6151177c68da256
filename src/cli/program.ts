// The kafkit command: on-call tooling for kafkit topics.
import { Command } from 'commander'
import { VERSION } from '../version.ts'
import { asyncapiCommand } from './asyncapi.ts'
import { dlqCommand } from './dlq.ts'
import { processIo, type CliIo } from './io.ts'
import { schemaCommand } from './schema.ts'
import { tailCommand } from './tail.ts'

export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('kafkit')
    .description('kafkit tools: dead-letter queues, replay, tailing topics, schemas, AsyncAPI')
    .version(VERSION)
    .option('--brokers <list>', 'host:port[,host:port] (default: KAFKA_BROKERS)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
  const brokers = () => program.opts<{ brokers?: string }>().brokers
  program.addCommand(dlqCommand(io, brokers))
  program.addCommand(tailCommand(io, brokers))
  program.addCommand(schemaCommand(io, brokers))
  program.addCommand(asyncapiCommand(io))
  return program
}

/** Runs the CLI; resolves to the exit code (errors are printed, never thrown). */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = createProgram(io).exitOverride()
  for (const command of program.commands) command.exitOverride()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    const code = (error as { code?: string; exitCode?: number }).code
    if (code?.startsWith('commander.')) return (error as { exitCode?: number }).exitCode ?? 1
    io.err(`kafkit: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
