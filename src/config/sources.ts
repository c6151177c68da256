// Where configuration values come from: the YAML file (found by --config, KAFKIT_CONFIG or the
// default locations), environment variables and program defaults. Each value keeps its origin so
// that an error can say which variable or file line to fix.
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { parse } from 'yaml'
import { CONFIG_KEYS, KEYS_BY_PATH } from './keys.ts'

export type Origin = { kind: 'default' } | { kind: 'file'; file: string } | { kind: 'env'; name: string }

export interface RawValue {
  value: unknown
  origin: Origin
}

export type RawValues = Map<string, RawValue>

/** Looked for in this order (relative to the working directory) when no file is named. */
export const DEFAULT_CONFIG_FILES = ['kafkit.yaml', 'configs/kafkit.yaml'] as const

export interface FileChoice {
  /** As shown in messages: `./configs/kafkit.yaml`, or absolute when outside the working directory. */
  display: string
  absolute: string
  /** Named by --config or KAFKIT_CONFIG (so a missing file is an error). */
  explicit: boolean
}

/** The `--config <path>` (or `--config=<path>`) argument, if any. */
export function configArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--config') return argv[i + 1] ?? ''
    if (arg.startsWith('--config=')) return arg.slice('--config='.length)
  }
  return undefined
}

export function chooseConfigFile(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): FileChoice | undefined {
  const named = configArgument(argv) ?? (env['KAFKIT_CONFIG'] || undefined)
  if (named !== undefined) return { ...describePath(named, cwd), explicit: true }
  for (const candidate of DEFAULT_CONFIG_FILES) {
    const choice = describePath(candidate, cwd)
    if (existsSync(choice.absolute)) return { ...choice, explicit: false }
  }
  return undefined
}

function describePath(path: string, cwd: string) {
  const absolute = resolve(cwd, path)
  const rel = relative(cwd, absolute)
  const display = rel.startsWith('..') || isAbsolute(rel) ? absolute : `./${rel}`
  return { display, absolute }
}

export interface Collected {
  values: RawValues
  issues: string[]
}

/** Parses the file; syntax errors and a top level that is not a mapping are issues. */
export function readConfigFile(choice: FileChoice): { document: unknown; issue?: string } {
  let text: string
  try {
    text = readFileSync(choice.absolute, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(error)})`
    return { document: undefined, issue: `config file ${choice.display}: ${why}` }
  }
  try {
    return { document: parse(text) as unknown }
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    return { document: undefined, issue: `config file ${choice.display} is not valid YAML: ${message}` }
  }
}

/** Flattens a nested document (file or program defaults) into dotted keys; unknown keys are issues. */
export function flattenDocument(document: unknown, origin: Origin, where: string): Collected {
  const collected: Collected = { values: new Map(), issues: [] }
  if (document === null || document === undefined) return collected
  if (!isMapping(document)) {
    collected.issues.push(`${where} must hold a mapping of sections (client, producer, consumer, ...), e.g. client:`)
    return collected
  }
  walk(document, '', origin, where, collected)
  return collected
}

function walk(node: Record<string, unknown>, prefix: string, origin: Origin, where: string, out: Collected): void {
  for (const [name, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${name}` : name
    if (KEYS_BY_PATH.has(path)) {
      if (value !== null && value !== undefined) out.values.set(path, { value, origin })
      continue
    }
    const children = CONFIG_KEYS.filter((k) => k.path.startsWith(`${path}.`))
    if (children.length === 0) {
      out.issues.push(unknownKey(path, where))
      continue
    }
    if (value === null || value === undefined) continue
    if (!isMapping(value)) {
      const names = [...new Set(children.map((k) => k.path.slice(path.length + 1).split('.')[0]))]
      out.issues.push(
        `${path} in ${where} must be a mapping of ${names.join(', ')}, e.g. ${children[0]!.path}: ${children[0]!.example}`,
      )
      continue
    }
    walk(value, path, origin, where, out)
  }
}

function unknownKey(path: string, where: string): string {
  const suggestion = closestKey(path)
  const hint = suggestion ? `; did you mean ${suggestion}?` : ''
  return `unknown key ${path} in ${where}${hint} (see docs/configuration.md for every key)`
}

/** The known key a mistyped one most likely meant: same letters ignoring case and `_`, an env name, or a close spelling. */
export function closestKey(path: string): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, '')
  const byEnv = CONFIG_KEYS.find((k) => k.env === path)
  if (byEnv) return `${byEnv.path} (the file's name for ${byEnv.env})`
  const same = CONFIG_KEYS.find((k) => squash(k.path) === squash(path))
  if (same) return same.path
  let best: { path: string; distance: number } | undefined
  for (const key of CONFIG_KEYS) {
    const distance = editDistance(path, key.path)
    if (!best || distance < best.distance) best = { path: key.path, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(path.length / 5)) ? best.path : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}

/** The variables that are set (an empty variable counts as unset, as shells make it easy to set one by accident). */
export function environmentValues(env: NodeJS.ProcessEnv): RawValues {
  const values: RawValues = new Map()
  for (const key of CONFIG_KEYS) {
    const value = env[key.env]
    if (value !== undefined && value.trim() !== '') {
      // Secrets are taken byte for byte: a password may end in a space.
      values.set(key.path, { value: key.secret ? value : value.trim(), origin: { kind: 'env', name: key.env } })
    }
  }
  return values
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
