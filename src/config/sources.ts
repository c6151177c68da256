// Where configuration values come from: the YAML file (found by --config, KAFKIT_CONFIG or the
// default locations), environment variables and program defaults. Each value keeps its origin so
// that an error can say which variable or file line to fix.
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { parse } from 'yaml'
import { deprecated } from '../util/deprecated.ts'
import { CONFIG_KEYS, FORMER_PATHS, KEYS_BY_PATH, type ConfigKey } from './keys.ts'

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
  /** The name each key was given by (its own or a deprecated one). */
  names: Map<string, string>
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
  const collected: Collected = { values: new Map(), issues: [], names: new Map() }
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
    const key = KEYS_BY_PATH.get(path) ?? FORMER_PATHS.get(path)
    if (key) {
      if (value !== null && value !== undefined) setValue(out, key, path, { value, origin }, where)
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

/** A key's value from the file, under its name or a deprecated one (not both). */
function setValue(out: Collected, key: ConfigKey, name: string, raw: RawValue, where: string): void {
  const given = out.names.get(key.path)
  if (given !== undefined) {
    out.issues.push(`${where} sets ${key.path} twice, as ${given} and as ${name}: keep ${key.path} only`)
    return
  }
  if (name !== key.path) deprecated(`config key ${name}`, key.path)
  out.names.set(key.path, name)
  out.values.set(key.path, raw)
}

function unknownKey(path: string, where: string): string {
  const suggestion = closestKey(path)
  const hint = suggestion ? `; did you mean ${suggestion}?` : ''
  return `unknown key ${path} in ${where}${hint} (see docs/configuration.md for every key)`
}

/** The known key a mistyped one most likely meant: same letters ignoring case and `_`, an env name, or a close spelling. */
export function closestKey(path: string): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, '')
  const byEnv = CONFIG_KEYS.find((k) => variablesOf(k).includes(path))
  if (byEnv) return `${byEnv.path} (the file's name for ${path})`
  // A key's former names count as spellings of it (`consumer.worker` was meant as `consumer.workers`).
  const names = [
    ...CONFIG_KEYS.map((k) => [k.path, k.path] as const),
    ...[...FORMER_PATHS].map(([former, k]) => [former, k.path] as const),
  ]
  const same = names.find(([name]) => squash(name) === squash(path))
  if (same) return same[1]
  let best: { path: string; distance: number } | undefined
  for (const [name, current] of names) {
    const distance = editDistance(path, name)
    if (!best || distance < best.distance) best = { path: current, distance }
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

/** Every variable that sets `key`, in order of precedence: its own, the seeds' aliases, deprecated names. */
export function variablesOf(key: ConfigKey): string[] {
  return [key.env, ...(key.envAliases ?? []), ...(key.deprecated?.env ?? [])]
}

/**
 * The variables that are set (an empty variable counts as unset, as shells make it easy to set one
 * by accident). Two names of one key set to different values is an issue: which was meant is unknown.
 */
export function environmentValues(env: NodeJS.ProcessEnv): Collected {
  const collected: Collected = { values: new Map(), issues: [], names: new Map() }
  for (const key of CONFIG_KEYS) {
    // Secrets are taken byte for byte: a password may end in a space.
    const set = variablesOf(key)
      .map((name) => ({ name, value: env[name] }))
      .filter((v): v is { name: string; value: string } => v.value !== undefined && v.value.trim() !== '')
      .map(({ name, value }) => ({ name, value: key.secret ? value : value.trim() }))
    const chosen = set[0]
    if (!chosen) continue
    const differing = set.filter((v) => v.value !== chosen.value).map((v) => v.name)
    if (differing.length > 0) {
      const shown = key.secret
        ? 'different values (not shown: secret)'
        : `${JSON.stringify(chosen.value)} and ${differing.map((n) => JSON.stringify(env[n]?.trim())).join(', ')}`
      collected.issues.push(
        `${[chosen.name, ...differing].join(' and ')} (environment variables) both set ${key.path}, to ${shown}: set ${key.env} only`,
      )
      continue
    }
    if (key.deprecated?.env?.includes(chosen.name)) deprecated(`variable ${chosen.name}`, key.env)
    collected.names.set(key.path, chosen.name)
    collected.values.set(key.path, { value: chosen.value, origin: { kind: 'env', name: chosen.name } })
  }
  return collected
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
