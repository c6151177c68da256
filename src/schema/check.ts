// `kafkit schema check`: the txova versioning rules over a catalog, locally and (when given) against
// the registry and the topics. Each finding names the event, the version and, for schema changes,
// the field.
//
// - every event version has a JSON Schema;
// - a minor version is backward compatible with the minor before it (an optional field may be added;
//   a required field, a removal or a type change needs a new major);
// - every version of a later major declares an upcaster from the major before it;
// - the registry accepts each version's schema under its subject, and knows no event version the
//   catalog dropped before its deprecation window ended (or without deprecating it);
// - no deprecated version is still published after its window (records on its topic).
import type { Catalog } from '../catalog/catalog.ts'
import type { AnyEvent, JsonSchema } from '../catalog/event.ts'
import { errorMessage } from '../errors.ts'
import type { SchemaRegistry } from '../registry/client.ts'
import { registrySchemaOf } from '../registry/codec.ts'
import { isRegistryCodecName, type RegistryCodecName } from '../registry/names.ts'
import { backwardIncompatibilities } from './compat.ts'
import { day, DEPRECATION_WINDOW_DAYS, windowEnd, windowEnded } from './deprecation.ts'
import { payloadJsonSchema, readAnnotations } from './json-schema.ts'
import type { PublishedEvidence, ScanTarget } from './published.ts'

export type CheckRule = 'json-schema' | 'compatibility' | 'upcaster' | 'registry' | 'deprecation'

export interface Finding {
  rule: CheckRule
  event: string
  version: string
  /** The incompatible field, for schema changes (`fare`, `pickup.lat`). */
  field?: string
  message: string
}

export interface CheckOptions {
  /** Also check against this registry. */
  registry?: SchemaRegistry
  /** Finds records of deprecated versions written after their window (see `scanPublished`). */
  published?: (targets: ScanTarget[]) => Promise<Map<AnyEvent, PublishedEvidence>>
  /** Today, for deprecation windows. */
  now?: Date
}

export async function checkCatalog(catalog: Catalog, options: CheckOptions = {}): Promise<Finding[]> {
  const now = options.now ?? new Date()
  const findings = [...localFindings(catalog)]
  if (options.registry) findings.push(...(await registryFindings(catalog, options.registry, now)))
  if (options.published) findings.push(...(await publishedFindings(catalog, options.published, now)))
  return findings
}

/** The rules that need nothing but the catalog. */
export function localFindings(catalog: Catalog): Finding[] {
  const findings: Finding[] = []
  for (const type of catalog.types()) {
    const versions = catalog.versions(type)
    const schemas = new Map<AnyEvent, JsonSchema>()
    for (const event of versions) {
      try {
        schemas.set(event, payloadJsonSchema(event))
      } catch (err) {
        findings.push({ rule: 'json-schema', event: type, version: event.version, message: errorMessage(err) })
      }
    }
    const lowestMajor = versions[0]?.major
    versions.forEach((event, i) => {
      const previous = versions[i - 1]
      if (previous && previous.major === event.major) {
        const reader = schemas.get(event)
        const writer = schemas.get(previous)
        if (reader && writer) findings.push(...minorFindings(event, previous, reader, writer))
      }
      if (lowestMajor !== undefined && event.major > lowestMajor && !event.upcast) {
        const older = versions.filter((v) => v.major < event.major).at(-1)!
        findings.push({
          rule: 'upcaster',
          event: type,
          version: event.version,
          message: `${type} v${event.version} is a new major version without an upcaster from v${older.version}: declare upcast: { from, up } (consumers of v${event.version} cannot read v${older.major}.x records otherwise)`,
        })
      }
    })
  }
  return findings
}

function minorFindings(event: AnyEvent, previous: AnyEvent, reader: JsonSchema, writer: JsonSchema): Finding[] {
  return backwardIncompatibilities(reader, writer).map((issue) => ({
    rule: 'compatibility' as const,
    event: event.type,
    version: event.version,
    field: issue.path,
    message: `${event.type} v${event.version} is not backward compatible with v${previous.version}: ${issue.path ? `field "${issue.path}": ` : ''}${issue.message}. A breaking change needs a new major version (v${event.major + 1}.0) with an upcaster`,
  }))
}

/** The codec an event's schemas are registered for: its topic's registry codec, else JSON Schema. */
export function registryCodecOf(event: AnyEvent): RegistryCodecName {
  const codec = event.topic.codec
  return isRegistryCodecName(codec) ? codec : 'registry-json'
}

async function registryFindings(catalog: Catalog, registry: SchemaRegistry, now: Date): Promise<Finding[]> {
  const findings: Finding[] = []
  const subjects = Map.groupBy(catalog.events, (e) =>
    registry.subjectOf({ topic: e.topic.name, type: e.type, major: e.major }),
  )
  for (const [subject, events] of subjects) {
    const registered = await registeredVersions(registry, subject)
    for (const event of events) {
      const finding = await acceptance(registry, subject, event, registered)
      if (finding) findings.push(finding)
    }
    findings.push(...removals(events, registered, subject, now))
  }
  return findings
}

interface Registered {
  version: number
  schema: string
  schemaType: string
  annotations: ReturnType<typeof readAnnotations>
}

async function registeredVersions(registry: SchemaRegistry, subject: string): Promise<Registered[]> {
  const versions = await registry.versions(subject)
  const out: Registered[] = []
  for (const version of versions) {
    const at = await registry.schemaAt(subject, version)
    let parsed: JsonSchema | undefined
    try {
      parsed = JSON.parse(at.schema) as JsonSchema
    } catch {
      parsed = undefined // a Protobuf schema, not ours
    }
    out.push({ version, schema: at.schema, schemaType: at.schemaType, annotations: parsed && readAnnotations(parsed) })
  }
  return out
}

/** Would the registry take this version's schema? Names the field when the latest registered one is JSON. */
async function acceptance(
  registry: SchemaRegistry,
  subject: string,
  event: AnyEvent,
  registered: Registered[],
): Promise<Finding | undefined> {
  let schema
  try {
    schema = registrySchemaOf(event, registryCodecOf(event))
  } catch {
    return undefined // no schema: already a local finding
  }
  if (registered.some((r) => r.schema === schema.schema)) return undefined
  if (await registry.isCompatible(subject, schema)) return undefined
  const latest = registered.at(-1)
  const issue =
    latest?.schemaType === 'JSON' && schema.schemaType === 'JSON'
      ? backwardIncompatibilities(JSON.parse(schema.schema) as JsonSchema, JSON.parse(latest.schema) as JsonSchema)[0]
      : undefined
  const against = latest?.annotations ? ` (event v${latest.annotations.version})` : ''
  const detail = issue ? `: field "${issue.path}": ${issue.message}` : ''
  return {
    rule: 'registry',
    event: event.type,
    version: event.version,
    ...(issue ? { field: issue.path } : {}),
    message: `the registry refuses ${event.type} v${event.version} under subject ${subject}: not compatible with its version ${latest?.version ?? '?'}${against}${detail}`,
  }
}

/** Event versions the registry knows under this subject that the catalog no longer defines. */
function removals(events: AnyEvent[], registered: Registered[], subject: string, now: Date): Finding[] {
  const findings: Finding[] = []
  const inCatalog = new Set(events.map((e) => e.version))
  const type = events[0]!.type
  const dropped = new Map<string, Registered>()
  for (const r of registered) {
    if (r.annotations && r.annotations.event === type && !inCatalog.has(r.annotations.version))
      dropped.set(r.annotations.version, r)
  }
  for (const [version, r] of dropped) {
    const since = r.annotations!.deprecated
    if (since === undefined) {
      findings.push({
        rule: 'deprecation',
        event: type,
        version,
        message: `${type} v${version} was removed from the catalog without being deprecated (the registry has it under ${subject}): restore it with deprecated: { since }, and remove it ${DEPRECATION_WINDOW_DAYS} days later`,
      })
    } else if (!windowEnded({ since }, now)) {
      findings.push({
        rule: 'deprecation',
        event: type,
        version,
        message: `${type} v${version} was removed before its deprecation window ends on ${day(windowEnd({ since }))} (deprecated since ${since}): keep it in the catalog until then`,
      })
    }
  }
  return findings
}

async function publishedFindings(
  catalog: Catalog,
  published: NonNullable<CheckOptions['published']>,
  now: Date,
): Promise<Finding[]> {
  const targets = catalog.events
    .filter((e) => e.deprecated && windowEnded(e.deprecated, now))
    .map((event) => ({ event, since: windowEnd(event.deprecated!) }))
  if (targets.length === 0) return []
  const found = await published(targets)
  return [...found].map(([event, evidence]) => ({
    rule: 'deprecation' as const,
    event: event.type,
    version: event.version,
    message: `${event.type} v${event.version} is still published after its deprecation window ended on ${day(windowEnd(event.deprecated!))}: ${evidence.count} record(s) on ${event.topic.name} since, the latest at ${evidence.latest.timestamp.toISOString()} (partition ${evidence.latest.partition}, offset ${evidence.latest.offset})`,
  }))
}

/** One line per finding, for the CLI. */
export function formatFinding(finding: Finding): string {
  return `✖ [${finding.rule}] ${finding.message}`
}
