// Backward compatibility of JSON Schemas, checked locally: can a reader with the new schema read
// every record written with the old one? Answers name the field, which the registries' own checks
// (a yes or no, or a JSON pointer) do not always do. It follows the rules registries apply to closed
// content models (objects with `additionalProperties: false`, what zod produces): an optional field
// may be added; a required field, a removed field, a changed type or a narrower constraint may not.
import type { JsonSchema } from '../catalog/event.ts'

export interface Incompatibility {
  /** The field, as data reads: `fare`, `pickup.lat`, `stops[].lat`; empty for the payload itself. */
  path: string
  message: string
}

type Schema = JsonSchema | boolean

/** What the old schema (writer) allows that the new one (reader) refuses. Empty when compatible. */
export function backwardIncompatibilities(reader: JsonSchema, writer: JsonSchema): Incompatibility[] {
  const issues: Incompatibility[] = []
  compare({ reader, writer, readerRoot: reader, writerRoot: writer, issues }, reader, writer, '', 0)
  return issues
}

interface Walk {
  readerRoot: JsonSchema
  writerRoot: JsonSchema
  reader: JsonSchema
  writer: JsonSchema
  issues: Incompatibility[]
}

const MAX_DEPTH = 32

function compare(walk: Walk, readerIn: Schema, writerIn: Schema, path: string, depth: number): void {
  if (depth > MAX_DEPTH) return // a recursive schema: what was checked so far stands
  const reader = deref(readerIn, walk.readerRoot)
  const writer = deref(writerIn, walk.writerRoot)
  const report = (message: string): void => {
    walk.issues.push({ path, message })
  }
  if (reader === true || (typeof reader === 'object' && isEmpty(reader))) return
  if (writer === false) return
  if (reader === false) return report('the new schema refuses every value')
  if (writer === true || isEmpty(writer)) return report('the old schema allowed any value; the new one constrains it')

  const readerVariants = variants(reader)
  const writerVariants = variants(writer)
  if (readerVariants || writerVariants) {
    // Every kind of value the writer may produce needs a reader variant that accepts it.
    for (const w of writerVariants ?? [writer]) {
      const fits = (readerVariants ?? [reader]).some((r) => {
        const probe: Incompatibility[] = []
        compare({ ...walk, issues: probe }, r, w, path, depth + 1)
        return probe.length === 0
      })
      if (!fits) report(`the old schema allows ${describe(w, walk.writerRoot)}, which the new one refuses`)
    }
    return
  }

  const readerTypes = typesOf(reader)
  const writerTypes = typesOf(writer)
  if (readerTypes && writerTypes) {
    const lost = [...writerTypes].filter((t) => !accepts(readerTypes, t))
    if (lost.length > 0) {
      return report(`type changed from ${[...writerTypes].join(' or ')} to ${[...readerTypes].join(' or ')}`)
    }
  } else if (readerTypes && !writerTypes && !('enum' in writer) && !('const' in writer)) {
    return report(`type restricted to ${[...readerTypes].join(' or ')}`)
  }

  compareValues(reader, writer, report)
  compareBounds(reader, writer, report)
  if (writerTypes?.has('object') || readerTypes?.has('object') || 'properties' in reader) {
    compareObjects(walk, reader, writer, path, depth)
  }
  if (writerTypes?.has('array') || readerTypes?.has('array')) {
    const items = (s: JsonSchema): Schema => (s['items'] as Schema | undefined) ?? true
    compare(walk, items(reader), items(writer), `${path}[]`, depth + 1)
  }
}

function compareValues(reader: JsonSchema, writer: JsonSchema, report: (message: string) => void): void {
  const allowed = valuesOf(reader)
  if (!allowed) return
  const written = valuesOf(writer)
  if (!written) return report(`values restricted to ${list(allowed)}`)
  const removed = written.filter((v) => !allowed.some((a) => same(a, v)))
  if (removed.length > 0) report(`value(s) ${list(removed)} no longer allowed`)
}

const LOWER_BOUNDS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const
const UPPER_BOUNDS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const

function compareBounds(reader: JsonSchema, writer: JsonSchema, report: (message: string) => void): void {
  for (const key of LOWER_BOUNDS) {
    const r = reader[key]
    const w = writer[key]
    if (typeof r === 'number' && (typeof w !== 'number' || r > w)) report(`${key} raised to ${r}${bound(w)}`)
  }
  for (const key of UPPER_BOUNDS) {
    const r = reader[key]
    const w = writer[key]
    if (typeof r === 'number' && (typeof w !== 'number' || r < w)) report(`${key} lowered to ${r}${bound(w)}`)
  }
  const pattern = reader['pattern']
  if (typeof pattern === 'string' && pattern !== writer['pattern']) report('pattern added or changed')
  if (reader['multipleOf'] !== undefined && reader['multipleOf'] !== writer['multipleOf'])
    report('multipleOf added or changed')
}

function compareObjects(walk: Walk, reader: JsonSchema, writer: JsonSchema, path: string, depth: number): void {
  const at = (field: string) => (path ? `${path}.${field}` : field)
  const readerProps = (reader['properties'] as Record<string, Schema> | undefined) ?? {}
  const writerProps = (writer['properties'] as Record<string, Schema> | undefined) ?? {}
  const readerRequired = new Set((reader['required'] as string[] | undefined) ?? [])
  const writerRequired = new Set((writer['required'] as string[] | undefined) ?? [])
  const readerExtra = (reader['additionalProperties'] as Schema | undefined) ?? true
  const writerExtra = (writer['additionalProperties'] as Schema | undefined) ?? true

  for (const field of readerRequired) {
    if (writerRequired.has(field)) continue
    const message =
      field in writerProps
        ? 'an optional field became required (old records may lack it)'
        : 'a required field was added (old records lack it)'
    walk.issues.push({ path: at(field), message })
  }
  for (const [field, schema] of Object.entries(writerProps)) {
    if (field in readerProps) compare(walk, readerProps[field]!, schema, at(field), depth + 1)
    else if (readerExtra === false)
      walk.issues.push({ path: at(field), message: 'field removed (old records carry it)' })
    else compare(walk, readerExtra, schema, at(field), depth + 1)
  }
  for (const [field, schema] of Object.entries(readerProps)) {
    if (field in writerProps || writerExtra === false) continue
    // An open old object may already hold this field, with any value.
    const probe: Incompatibility[] = []
    compare({ ...walk, issues: probe }, schema, writerExtra, at(field), depth + 1)
    if (probe.length > 0) {
      walk.issues.push({
        path: at(field),
        message: 'field added to an open object (old records may hold it with another value): close the object',
      })
    }
  }
  if (writerExtra !== false) {
    if (readerExtra === false) walk.issues.push({ path, message: 'other fields are no longer allowed' })
    else if (readerExtra !== true && !isEmpty(readerExtra)) compare(walk, readerExtra, writerExtra, at('*'), depth + 1)
  }
}

function deref(schema: Schema, root: JsonSchema, seen = 0): Schema {
  if (typeof schema !== 'object' || typeof schema['$ref'] !== 'string' || seen > 16) return schema
  const ref = schema['$ref']
  if (!ref.startsWith('#')) return schema // external references are not followed
  let target: unknown = root
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    target = (target as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return target === undefined ? schema : deref(target as Schema, root, seen + 1)
}

function isEmpty(schema: JsonSchema): boolean {
  return Object.keys(schema).every((k) => k.startsWith('$') || ANNOTATIONS.has(k) || k.startsWith('x-'))
}

const ANNOTATIONS = new Set([
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'format',
])

/** The alternatives of a union (`anyOf`, `oneOf`), or undefined. */
function variants(schema: JsonSchema): Schema[] | undefined {
  const list = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined
  return Array.isArray(list) ? list : undefined
}

function typesOf(schema: JsonSchema): Set<string> | undefined {
  const type = schema['type']
  if (typeof type === 'string') return new Set([type])
  if (Array.isArray(type)) return new Set(type as string[])
  return undefined
}

function accepts(types: Set<string>, type: string): boolean {
  return types.has(type) || (type === 'integer' && types.has('number'))
}

function valuesOf(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema['enum'])) return schema['enum'] as unknown[]
  if ('const' in schema) return [schema['const']]
  return undefined
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function list(values: unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ')
}

function bound(previous: unknown): string {
  return typeof previous === 'number' ? ` (was ${previous})` : ' (there was none)'
}

function describe(schema: Schema, root: JsonSchema): string {
  const s = deref(schema, root)
  if (typeof s === 'boolean') return s ? 'any value' : 'no value'
  const types = typesOf(s)
  if (types) return [...types].join(' or ')
  const values = valuesOf(s)
  return values ? list(values) : 'values'
}
