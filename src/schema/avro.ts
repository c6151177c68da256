// Avro for the registry-avro codec: the schema of an event version (given in `defineEvent({ schemas })`
// or derived from its JSON Schema), and decoded Avro values turned back into the plain JSON-like
// payloads the catalog's validators expect.
import type { AnyEvent, JsonSchema } from '../catalog/event.ts'
import { CatalogError } from '../errors.ts'
import { Annotations, payloadJsonSchema } from './json-schema.ts'

export type AvroSchema = string | Record<string, unknown> | AvroSchema[]

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const derived = new WeakMap<AnyEvent, Record<string, unknown>>()

/** The Avro record schema of an event version, annotated like the registered JSON Schema. */
export function avroSchemaOf(event: AnyEvent): Record<string, unknown> {
  let schema = derived.get(event)
  if (!schema) {
    const base = event.schemas.avro ?? deriveAvro(event)
    const annotations: Record<string, unknown> = {
      [Annotations.event]: event.type,
      [Annotations.version]: event.version,
    }
    if (event.deprecated) annotations[Annotations.deprecated] = event.deprecated.since
    schema = { ...base, ...annotations }
    derived.set(event, schema)
  }
  return schema
}

/** `ride.completed` → `RideCompleted`. */
export function avroRecordName(type: string): string {
  return type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}

function deriveAvro(event: AnyEvent): Record<string, unknown> {
  const fail = (path: string, why: string): never => {
    throw new CatalogError(
      `${event.type} v${event.version}: no Avro schema can be derived${path ? ` (field ${path})` : ''}: ${why}; give one in defineEvent({ schemas: { avro } })`,
    )
  }
  const record = toAvro(payloadJsonSchema(event), avroRecordName(event.type), '', fail)
  if (typeof record !== 'object' || Array.isArray(record) || record['type'] !== 'record') {
    return fail('', 'the payload is not an object')
  }
  return { ...record, namespace: 'kafkit.events' }
}

type Fail = (path: string, why: string) => never

function toAvro(schema: JsonSchema, name: string, path: string, fail: Fail): AvroSchema {
  const variants = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined
  if (variants) {
    const nonNull = variants.filter((v) => v['type'] !== 'null')
    if (nonNull.length !== 1) fail(path, 'unions other than "T or null" have no single Avro mapping')
    const inner = toAvro(nonNull[0]!, name, path, fail)
    return nonNull.length < variants.length ? ['null', inner] : inner
  }
  const type = schema['type']
  if (Array.isArray(type)) {
    const rest = type.filter((t) => t !== 'null')
    if (rest.length !== 1) fail(path, `type ${JSON.stringify(type)} has no single Avro mapping`)
    const inner = toAvro({ ...schema, type: rest[0] }, name, path, fail)
    return rest.length < type.length ? ['null', inner] : inner
  }
  if (schema['enum'] !== undefined || schema['const'] !== undefined) return enumOf(schema, name)
  switch (type) {
    case 'string':
      return 'string'
    case 'integer':
      return 'long'
    case 'number':
      return 'double'
    case 'boolean':
      return 'boolean'
    case 'null':
      return 'null'
    case 'array':
      return { type: 'array', items: toAvro((schema['items'] ?? {}) as JsonSchema, `${name}Item`, `${path}[]`, fail) }
    case 'object':
      return objectOf(schema, name, path, fail)
    default:
      return fail(path, `JSON type ${JSON.stringify(type)} has no Avro mapping`)
  }
}

function enumOf(schema: JsonSchema, name: string): AvroSchema {
  const values = (schema['enum'] as unknown[] | undefined) ?? [schema['const']]
  if (values.every((v) => typeof v === 'string' && AVRO_NAME.test(v))) {
    return { type: 'enum', name, symbols: values }
  }
  // Symbols Avro cannot name (or non-strings) travel as their base type.
  return typeof values[0] === 'number' ? 'double' : typeof values[0] === 'boolean' ? 'boolean' : 'string'
}

function objectOf(schema: JsonSchema, name: string, path: string, fail: Fail): AvroSchema {
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined
  if (!properties) {
    const values = schema['additionalProperties']
    if (typeof values === 'object' && values !== null) {
      return { type: 'map', values: toAvro(values as JsonSchema, `${name}Value`, `${path}{}`, fail) }
    }
    return fail(path, 'an object without properties has no Avro mapping')
  }
  const required = new Set((schema['required'] as string[] | undefined) ?? [])
  const fields = Object.entries(properties).map(([field, sub]) => {
    const at = path ? `${path}.${field}` : field
    if (!AVRO_NAME.test(field)) fail(at, 'Avro field names are letters, digits and "_"')
    const type = toAvro(sub, name + avroRecordName(field), at, fail)
    if (required.has(field)) return { name: field, type }
    // Optional: null first, so that the default (which must match the first branch) can be null.
    const branches = Array.isArray(type) ? type : ['null', type]
    return {
      name: field,
      type: branches[0] === 'null' ? branches : ['null', ...branches.filter((b) => b !== 'null')],
      default: null,
    }
  })
  return { type: 'record', name, fields }
}

/**
 * A decoded Avro value as a plain payload: records become plain objects, and the null of an
 * optional field (one whose default is null) becomes an absent field, as it was before encoding.
 */
export function avroToPlain(value: unknown, schema: AvroSchema, names = new Map<string, AvroSchema>()): unknown {
  if (value === null || value === undefined) return value
  if (typeof schema === 'string') {
    const named = names.get(schema)
    return named ? avroToPlain(value, named, names) : value
  }
  if (Array.isArray(schema)) {
    const branches = schema.filter((b) => b !== 'null')
    return branches.length === 1 ? avroToPlain(value, branches[0]!, names) : value
  }
  const type = schema['type'] as AvroSchema
  if (typeof schema['name'] === 'string') names.set(schema['name'], schema)
  if (type === 'record') {
    const out: Record<string, unknown> = {}
    for (const field of schema['fields'] as { name: string; type: AvroSchema; default?: unknown }[]) {
      const v = (value as Record<string, unknown>)[field.name]
      if (v === null && 'default' in field && field.default === null) continue
      out[field.name] = avroToPlain(v, field.type, names)
    }
    return out
  }
  if (type === 'array')
    return (value as unknown[]).map((item) => avroToPlain(item, schema['items'] as AvroSchema, names))
  if (type === 'map') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        avroToPlain(v, schema['values'] as AvroSchema, names),
      ]),
    )
  }
  if (typeof type === 'object') return avroToPlain(value, type, names)
  return value
}
