// What `npm test` enforces: the full run measures src/ line coverage and fails below the floor
// (node's own threshold); a run of chosen files does not, unless asked.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { COVERAGE_FLOOR, nodeTestArgs, parseTestArgs } from '../../scripts/test-args.ts'

const floor = `--test-coverage-lines=${COVERAGE_FLOOR.lines}`

test('the full run measures src/ coverage with the floor; --no-coverage skips it', () => {
  const full = nodeTestArgs(parseTestArgs([]), 2)
  assert.ok(full.includes('--experimental-test-coverage'))
  assert.ok(full.includes('--test-coverage-include=src/**'))
  assert.ok(full.includes(floor))
  assert.equal(full.at(-1), 'test/**/*.test.ts')
  assert.ok(!nodeTestArgs(parseTestArgs(['--no-coverage']), 2).includes(floor))
  assert.ok(!nodeTestArgs(parseTestArgs(['--no-static', '--no-coverage']), 2).includes('--no-static'))
})

test('chosen files run without coverage unless --coverage; node flags pass through', () => {
  const chosen = nodeTestArgs(parseTestArgs(['test/config/load.test.ts', '--test-only']), 1)
  assert.ok(!chosen.includes(floor))
  assert.ok(chosen.includes('--test-only'))
  assert.equal(chosen.at(-1), 'test/config/load.test.ts')
  assert.ok(nodeTestArgs(parseTestArgs(['--coverage', 'test/config/load.test.ts']), 1).includes(floor))
  assert.ok(COVERAGE_FLOOR.lines >= 95, 'the floor is never lowered to pass')
})

test('a test past its timeout fails and its file ends, even with handles left open', async () => {
  // The timeout given last wins over the run's own (300 s), so the check takes seconds.
  const args = nodeTestArgs(parseTestArgs(['test/scripts/fixtures/hangs.fixture.ts', '--test-timeout=1000']), 1)
  // Without the runner's own marker, which would make the child report to this run instead.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const deadline = new Promise<'hung'>((resolve) => setTimeout(resolve, 60_000, 'hung').unref())
  const code = await Promise.race([exited, deadline])
  if (code === 'hung') child.kill('SIGKILL')
  assert.notEqual(code, 'hung', `the run did not end within 60 s:\n${output}`)
  assert.equal(code, 1)
  assert.match(output, /timed out after 1000ms/)
  assert.match(output, /✔ the one after it/)
})
