// Deprecated names keep working and say so once per process (a Node warning, which
// --no-deprecation silences); CHANGELOG.md lists each with the release that removes it.
const warned = new Set<string>()

export function deprecated(old: string, replacement: string): void {
  if (warned.has(old)) return
  warned.add(old)
  process.emitWarning(`${old} is deprecated: use ${replacement}`, {
    type: 'DeprecationWarning',
    code: 'KAFKIT_DEPRECATED',
  })
}
