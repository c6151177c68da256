// npm run api:report: the public surface of every entry point in package.json "exports", as API
// Extractor reports in api/. With --check (run by test/api/report.test.ts) it writes nothing and
// fails when a report differs from the source, so a change to the surface is a reviewed change.
// A new subpath in "exports" gets its report from this same command; stale reports are removed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { spawnSync } from 'node:child_process'
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor'

const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const check = args.includes('--check')
const reportsAt = args.indexOf('--reports')
const reportFolder = reportsAt >= 0 && args[reportsAt + 1] ? resolve(args[reportsAt + 1]!) : join(root, 'api')

const UNEXPORTED = 'unexported-types.md'

interface Entry {
  subpath: string
  report: string
  types: string
}

/** Every subpath of package.json "exports" with types, named as its report file (`kafkit-config`). */
export function entries(): Entry[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string
    exports: Record<string, string | { types?: string }>
  }
  const found: Entry[] = []
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string' || !target.types) continue
    const tail = subpath.replace(/^\.\/?/, '')
    found.push({ subpath, report: tail ? `${pkg.name}-${tail.replaceAll('/', '-')}` : pkg.name, types: target.types })
  }
  return found
}

function main(): number {
  const work = mkdtempSync(join(tmpdir(), 'kafkit-api-'))
  try {
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    const built = spawnSync(
      process.execPath,
      [
        tsc,
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(work, 'dist'),
        '--emitDeclarationOnly',
        '--declarationMap',
        'false',
      ],
      { cwd: root, stdio: 'inherit' },
    )
    if (built.status !== 0) return 1
    const problems: string[] = []
    const wanted = new Set<string>()
    const forgotten = new Map<string, Set<string>>()
    for (const entry of entries()) {
      wanted.add(`${entry.report}.api.md`)
      const config = ExtractorConfig.prepare({
        configObjectFullPath: undefined,
        packageJsonFullPath: join(root, 'package.json'),
        configObject: {
          projectFolder: root,
          mainEntryPointFilePath: join(work, entry.types),
          compiler: {
            overrideTsconfig: {
              compilerOptions: {
                target: 'es2023',
                module: 'nodenext',
                types: ['node'],
                skipLibCheck: true,
                strict: true,
              },
              files: [join(work, entry.types)],
            },
          },
          apiReport: {
            enabled: true,
            reportFileName: entry.report,
            reportFolder,
            reportTempFolder: join(work, 'reports'),
          },
          docModel: { enabled: false },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages: {
            // kafkit has no release tags (@public/@beta): what an entry point exports is public.
            extractorMessageReporting: {
              'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
              // Checked across entry points below: a type another entry point exports is not forgotten.
              'ae-forgotten-export': { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: false },
            },
            tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
          },
        },
      })
      const result = Extractor.invoke(config, {
        localBuild: !check,
        messageCallback: (message) => {
          if (message.messageId !== 'ae-forgotten-export') return
          message.handled = true
          const symbol = /"([^"]+)"/.exec(message.text)?.[1]
          if (symbol) (forgotten.get(symbol) ?? forgotten.set(symbol, new Set()).get(symbol)!).add(entry.subpath)
        },
      })
      if (check && result.apiReportChanged)
        problems.push(`${entry.subpath}: api/${entry.report}.api.md is not up to date`)
      else if (!check && result.apiReportChanged)
        console.log(`[api] ${entry.subpath}: api/${entry.report}.api.md updated`)
      // Warnings (forgotten exports, counted even when handled) are judged below, across entry points.
      else if (result.errorCount > 0)
        problems.push(`${entry.subpath}: API Extractor failed (${result.errorCount} errors)`)
    }
    // A type the surface names must be importable by the user from some entry point.
    const exported = new Set<string>()
    for (const file of readdirSync(join(work, 'reports'))) {
      const text = readFileSync(join(work, 'reports', file), 'utf8')
      for (const m of text.matchAll(
        /^export (?:declare )?(?:abstract )?(?:class|function|interface|type|const|enum|namespace) (\w+)/gm,
      ))
        exported.add(m[1]!)
    }
    // Types the surface names but no entry point exports (internals reached through a public member):
    // listed in their own report, so that a new leak is as visible in review as a new export.
    const leaks = [...forgotten]
      .filter(([symbol]) => !exported.has(symbol))
      .map(([symbol, users]) => `- \`${symbol}\`, named by ${[...users].sort().join(', ')}`)
      .sort()
    const leakReport = `# Types named by the public surface but exported by no entry point\n\n${leaks.join('\n')}\n`
    const leakFile = join(reportFolder, UNEXPORTED)
    const current = existsSync(leakFile) ? readFileSync(leakFile, 'utf8') : ''
    if (current !== leakReport) {
      if (check) problems.push(`api/${UNEXPORTED} is not up to date`)
      else writeFileSync(leakFile, leakReport)
    }
    for (const file of readdirSync(reportFolder).filter((f) => f.endsWith('.api.md') && !wanted.has(f))) {
      if (check) problems.push(`api/${file} reports an entry point that package.json no longer exports`)
      else unlinkSync(join(reportFolder, file))
    }
    if (problems.length > 0) {
      for (const p of problems) console.error(`[api] ${p}`)
      if (check) console.error('[api] the public surface changed: review it, run `npm run api:report` and commit api/')
      return 1
    }
    console.log(check ? '[api] reports match the source' : `[api] reports written to ${reportFolder}`)
    return 0
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.main) process.exit(main())
