// Event-type patterns for routing: an exact type, "*" (everything), or segments with "*" wildcards,
// where a trailing "*" matches one or more remaining segments ("user.*" matches "user.profile_updated").
import { CatalogError } from '../errors.ts'

const SEGMENT = /^([a-z][a-z0-9_]*|\*)$/

export function isPattern(value: string): boolean {
  return value.includes('*')
}

export function assertPattern(pattern: string): void {
  if (pattern === '*') return
  const segments = pattern.split('.')
  if (segments.length < 2 || !segments.every((s) => SEGMENT.test(s))) {
    throw new CatalogError(`"${pattern}" is not an event type or pattern: use "domain.action", "domain.*" or "*"`)
  }
}

export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true
  const want = pattern.split('.')
  const have = type.split('.')
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]
    const last = i === want.length - 1
    if (segment === '*') {
      if (last) return have.length > i
      if (have[i] === undefined) return false
      continue
    }
    if (segment !== have[i]) return false
  }
  return have.length === want.length
}
