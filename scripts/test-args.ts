// The node:test command line of `npm test` (scripts/test.ts), kept apart so that what a run
// enforces is itself tested: the full run measures src/ line coverage and fails below the floor.

/**
 * Lines of src/ the full run must cover (node's own coverage threshold), set a little under the
 * last full measurement, so that a change that leaves code untested fails `npm test`. Raise it when
 * coverage rises; never lower it to pass.
 */
export const COVERAGE_FLOOR = { lines: 95 }

export interface TestRun {
  /** Test files given on the command line (none: every test). */
  files: string[]
  /** node --test flags given on the command line. */
  flags: string[]
  /** Coverage is measured, and the floor enforced. */
  coverage: boolean
}

/**
 * What the arguments ask for. The full run measures coverage unless `--no-coverage`; a run of
 * chosen files does not (the floor is over all of src/), unless `--coverage`.
 */
export function parseTestArgs(args: readonly string[]): TestRun {
  const own = new Set(['--coverage', '--no-coverage', '--no-static'])
  const files = args.filter((a) => !a.startsWith('-'))
  const flags = args.filter((a) => a.startsWith('-') && !own.has(a))
  const coverage = args.includes('--coverage') || (files.length === 0 && !args.includes('--no-coverage'))
  return { files, flags, coverage }
}

export function nodeTestArgs(run: TestRun, concurrency: number): string[] {
  return [
    '--conditions=kafkit-source',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=300000',
    // A test past its timeout fails, but without this its file's process lives on while anything it
    // left open (a client never closed) keeps the event loop busy: one such test held CI for 90 min.
    '--test-force-exit',
    ...(run.coverage
      ? [
          '--experimental-test-coverage',
          '--test-coverage-include=src/**',
          `--test-coverage-lines=${COVERAGE_FLOOR.lines}`,
        ]
      : []),
    ...run.flags,
    ...(run.files.length > 0 ? run.files : ['test/**/*.test.ts']),
  ]
}
