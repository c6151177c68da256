#!/usr/bin/env node
// The `kafkit` command-line tool.
import { runCli } from './program.ts'

// Exit explicitly: a closed wire client can leave a timer armed for a while, and a command-line
// tool should return as soon as its work is done.
process.exit(await runCli(process.argv.slice(2)))
