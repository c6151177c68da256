// Deprecated names keep working and say so once per process (a Node warning, which
// --no-deprecation silences); CHANGELOG.md lists each with the release that removes it.
import { ConfigError } from '../errors.ts'

const warned = new Set<string>()

export function deprecated(old: string, replacement: string): void {
  if (warned.has(old)) return
  warned.add(old)
  process.emitWarning(`${old} is deprecated: use ${replacement}`, {
    type: 'DeprecationWarning',
    code: 'KAFKIT_DEPRECATED',
  })
}

/**
 * `options` with the value of each deprecated option name moved to its new name (a warning once per
 * name). Both names given is a ConfigError: which one was meant cannot be known.
 */
export function renamed<T extends object>(options: T, renames: Readonly<Record<string, string>>, owner: string): T {
  let copy: Record<string, unknown> | undefined
  for (const [old, current] of Object.entries(renames)) {
    const value = (options as Record<string, unknown>)[old]
    if (value === undefined) continue
    if ((options as Record<string, unknown>)[current] !== undefined) {
      throw new ConfigError(`${owner}: ${old} and ${current} are the same option; give ${current} only`, [
        { path: old, message: `is the deprecated name of ${current}` },
      ])
    }
    deprecated(`${owner} option ${old}`, current)
    copy ??= { ...(options as Record<string, unknown>) }
    copy[current] = value
    delete copy[old]
  }
  return (copy ?? options) as T
}
