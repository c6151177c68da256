// The catalog: every event definition a service knows, looked up by type, version and pattern.
import { CatalogError } from '../errors.ts'
import { compareVersions, parseVersion, type AnyEvent, type AnyTopic } from './event.ts'
import { assertPattern, matchesPattern } from './pattern.ts'

/** How a record produced at some version becomes the payload a definition expects. */
export interface Resolution {
  /** The definition whose schema the record as produced is checked against. */
  source: AnyEvent
  /** Definitions to upcast through, oldest first, ending with the target (empty if none needed). */
  steps: AnyEvent[]
}

export class Catalog<E extends AnyEvent = AnyEvent> {
  readonly events: readonly E[]
  readonly #byType = new Map<string, E[]>()
  readonly #topics = new Map<string, AnyTopic>()

  constructor(events: readonly E[]) {
    this.events = Object.freeze([...events])
    for (const event of events) this.#add(event)
    for (const versions of this.#byType.values()) versions.sort(compareVersions)
    for (const event of events) {
      if (event.upcast && !this.events.includes(event.upcast.from as E)) {
        throw new CatalogError(
          `${event.type} v${event.version} upcasts from v${event.upcast.from.version}, which is not in the catalog: add it`,
        )
      }
    }
  }

  #add(event: E) {
    const versions = this.#byType.get(event.type) ?? []
    if (versions.some((v) => v.version === event.version)) {
      throw new CatalogError(`${event.type} v${event.version} is defined twice`)
    }
    versions.push(event)
    this.#byType.set(event.type, versions)
    const known = this.#topics.get(event.topic.name)
    if (known && known !== event.topic) {
      throw new CatalogError(`two different definitions of topic ${event.topic.name}: define it once and share it`)
    }
    this.#topics.set(event.topic.name, event.topic)
  }

  topics(): AnyTopic[] {
    return [...this.#topics.values()]
  }

  topic(name: string): AnyTopic | undefined {
    return this.#topics.get(name)
  }

  types(): string[] {
    return [...this.#byType.keys()]
  }

  /** Every version of a type, oldest first. */
  versions(type: string): readonly E[] {
    return this.#byType.get(type) ?? []
  }

  latest(type: string): E | undefined {
    return this.versions(type).at(-1)
  }

  /** The exact version, else the newest of the same major (minor versions are compatible). */
  find(type: string, version: string): E | undefined {
    const versions = this.versions(type)
    const exact = versions.find((v) => v.version === version)
    if (exact) return exact
    const wanted = parseVersion(version)
    return wanted ? versions.filter((v) => v.major === wanted.major).at(-1) : undefined
  }

  /** Definitions of every type matching an exact type or a wildcard pattern (all their versions). */
  match(pattern: string): E[] {
    assertPattern(pattern)
    return [...this.#byType.entries()].filter(([type]) => matchesPattern(pattern, type)).flatMap(([, v]) => v)
  }

  /**
   * How a record of `version` reaches `target`: same major needs nothing; an older major goes through
   * the upcasters the catalog declares. Undefined when there is no way (a newer major, or a gap).
   */
  resolve(target: AnyEvent, version: string): Resolution | undefined {
    return resolveVersion(target, version)
  }
}

/** Resolutions are pure functions of (definition, version): computed once, reused for every record. */
const resolutions = new WeakMap<AnyEvent, Map<string, Resolution | undefined>>()

export function resolveVersion(target: AnyEvent, version: string): Resolution | undefined {
  let known = resolutions.get(target)
  if (!known) resolutions.set(target, (known = new Map<string, Resolution | undefined>()))
  const found = known.get(version)
  if (found !== undefined || known.has(version)) return found
  const resolution = computeResolution(target, version)
  // Versions come from records; bound the cache so odd ones cannot grow it without limit.
  if (known.size < 64) known.set(version, resolution)
  return resolution
}

function computeResolution(target: AnyEvent, version: string): Resolution | undefined {
  const produced = parseVersion(version)
  if (!produced || produced.major > target.major) return undefined
  const steps: AnyEvent[] = []
  let current: AnyEvent = target
  while (current.major > produced.major) {
    if (!current.upcast) return undefined
    steps.unshift(current)
    current = current.upcast.from
  }
  return current.major === produced.major ? { source: current, steps } : undefined
}

export function createCatalog<const E extends AnyEvent>(events: readonly E[]): Catalog<E> {
  return new Catalog(events)
}
