// The package as users get it: `npm pack` output checked by publint and arethetypeswrong (both run
// on the tarball, offline), then README's "Use kafkit in your project" run from a separate project
// that installs that tarball, against the test broker.
import assert from 'node:assert/strict'
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { brokers, deleteAfter, uniqueName } from '../support/kafka.ts'

const root = resolve(import.meta.dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'kafkit-package-'))
let tarball = ''

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 240_000, ...options })
  return { code: result.status, output: `${String(result.stdout)}${String(result.stderr)}` }
}

const bin = (name: string) => join(root, 'node_modules', '.bin', name)

before(() => {
  // prepack builds dist/ afresh, so the tarball holds what the source says.
  const packed = run('npm', ['pack', '--pack-destination', work, '--loglevel=warn'], { cwd: root })
  assert.equal(packed.code, 0, packed.output)
  const file = readdirSync(work).find((f) => f.endsWith('.tgz'))
  assert.ok(file, packed.output)
  tarball = join(work, file)
})

after(() => rmSync(work, { recursive: true, force: true }))

test('publint finds nothing to fix in the tarball', () => {
  const { code, output } = run(process.execPath, [bin('publint'), 'run', tarball, '--strict'])
  assert.equal(code, 0, output)
  assert.match(output, /All good/)
})

test('arethetypeswrong: every entry point resolves to ESM with types (ESM only, no CommonJS build)', () => {
  const { code, output } = run(process.execPath, [bin('attw'), tarball, '--profile', 'esm-only', '--format', 'json'])
  assert.equal(code, 0, output)
  const report = JSON.parse(output) as {
    analysis: { problems: { resolutionKind?: string }[]; entrypoints: Record<string, unknown> }
  }
  // The esm-only profile ignores what a CommonJS or node10 resolver sees; the rest must be clean.
  const ignored = new Set(['node10', 'node16-cjs'])
  assert.deepEqual(
    report.analysis.problems.filter((p) => !ignored.has(p.resolutionKind ?? '')),
    [],
  )
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
  const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json')
  for (const subpath of subpaths) assert.ok(subpath in report.analysis.entrypoints, `${subpath} was checked`)
})

/** The README's code blocks under "Use kafkit in your project", by the file name in their first line. */
function readmeFiles(): Map<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const start = readme.indexOf('## Use kafkit in your project')
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1))
  const files = new Map<string, string>()
  for (const [, code] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = /^\/\/ (\S+\.ts)\n/.exec(code!)?.[1]
    if (name) files.set(name, code!)
  }
  return files
}

test("README's first producer and consumer run from a project that installs the tarball", async (t) => {
  const files = readmeFiles()
  assert.deepEqual([...files.keys()].sort(), ['consumer.ts', 'events.ts', 'producer.ts'])
  const project = join(work, 'project')
  mkdirSync(project)
  // Names unique to this run, so that runs sharing a broker do not meet; nothing else is changed.
  const topic = uniqueName('readme.greetings')
  const service = uniqueName('readme-log')
  deleteAfter(t, () => [topic, `${topic}.dlq`])
  for (const [name, code] of files) {
    writeFileSync(join(project, name), code.replaceAll('hello.greetings.v1', topic).replaceAll('greeting-log', service))
  }
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'readme-project', private: true, type: 'module' }),
  )
  const installed = run('npm', ['install', tarball, 'zod@4.6.7', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
  })
  assert.equal(installed.code, 0, installed.output)

  // The user's type-check sees the published declarations (strict, nodenext; skipLibCheck as
  // `tsc --init` sets it: @platformatic/kafka's own declarations do not check without it).
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        target: 'es2023',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      include: ['*.ts'],
    }),
  )
  const typed = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project])
  assert.equal(typed.code, 0, typed.output)

  const env = { ...process.env, KAFKA_BROKERS: brokers().join(','), LOG_LEVEL: 'warn' }
  const produced = run(process.execPath, ['producer.ts'], { cwd: project, env })
  assert.equal(produced.code, 0, produced.output)
  assert.match(produced.output, new RegExp(`published to ${topic.replaceAll('.', '\\.')}`))
  assert.doesNotMatch(produced.output, /DeprecationWarning/, 'the README uses no deprecated name')

  const consumer = spawn(process.execPath, ['consumer.ts'], { cwd: project, env })
  let output = ''
  const seen = new Promise<void>((resolveSeen, reject) => {
    const deadline = setTimeout(() => reject(new Error(`no greeting within 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ada says hello')) {
        clearTimeout(deadline)
        resolveSeen()
      }
    }
    consumer.stdout.on('data', onData)
    consumer.stderr.on('data', onData)
  })
  const exited = new Promise<number | null>((done) => consumer.on('exit', (code) => done(code)))
  try {
    await seen
  } finally {
    consumer.kill('SIGTERM')
  }
  assert.equal(await exited, 0, output)

  // The command-line tool works from the install (its optional dependency commander is there).
  const cli = run(join(project, 'node_modules', '.bin', 'kafkit'), ['--help'], { cwd: project, env })
  assert.equal(cli.code, 0, cli.output)
  assert.match(cli.output, /Usage: kafkit/)

  // Without the optional dependencies (as `npm install --omit=optional` leaves it), the library
  // still runs, with JSON logs, and the command says what to install.
  rmSync(join(project, 'node_modules', 'commander'), { recursive: true, force: true })
  rmSync(join(project, 'node_modules', 'pino-pretty'), { recursive: true, force: true })
  const lean = run(process.execPath, ['producer.ts'], { cwd: project, env })
  assert.equal(lean.code, 0, lean.output)
  const noCli = run(join(project, 'node_modules', '.bin', 'kafkit'), ['--help'], { cwd: project, env })
  assert.equal(noCli.code, 2, noCli.output)
  assert.match(noCli.output, /needs the optional package commander: npm install commander/)
  const pretty = run(
    process.execPath,
    [
      '-e',
      "import('kafkit').then((k) => k.createLogger({ format: 'pretty' })).catch((e) => console.log(e.code, e.message))",
    ],
    { cwd: project, env },
  )
  assert.match(pretty.output, /KAFKIT_CONFIG_INVALID LOG_FORMAT=pretty needs the optional package pino-pretty/)
})
