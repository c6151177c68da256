#!/usr/bin/env node
// The `kafkit` command-line tool.
import { runCli } from './program.ts'

process.exitCode = await runCli(process.argv.slice(2))
