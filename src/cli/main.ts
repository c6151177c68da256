#!/usr/bin/env node
// The `kafkit` command-line tool. Its argument parser, commander, is an optional dependency of the
// library (installed by default; `npm install --omit=optional` leaves it out): without it the
// command says what to install instead of failing with a stack trace.
const program = await import('./program.ts').catch((err: unknown) => {
  const missing = (err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes("'commander'")
  if (!missing) throw err
  console.error('kafkit: the command-line tool needs the optional package commander: npm install commander')
  process.exit(2)
})

// Exit explicitly: a closed wire client can leave a timer armed for a while, and a command-line
// tool should return as soon as its work is done.
process.exit(await program.runCli(process.argv.slice(2)))
