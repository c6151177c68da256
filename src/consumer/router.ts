// Which handlers an event goes to: exact registrations (by definition or type, picking the version
// the record can reach by upcasting) and wildcard registrations ("user.*", "*").
import { resolveVersion, type Catalog, type Resolution } from '../catalog/catalog.ts'
import type { AnyEvent } from '../catalog/event.ts'
import { assertPattern, isPattern, matchesPattern } from '../catalog/pattern.ts'
import { CatalogError, ConfigError, formatIssues, type ValidationIssue } from '../errors.ts'
import { renamed } from '../util/deprecated.ts'
import { durationMs } from '../util/duration.ts'
import { resolveRetry } from './retry.ts'
import type { BatchHandler, BatchSpec, Handler, HandlerOptions, RetryPolicy } from './types.ts'

export interface Route {
  readonly id: number
  readonly name: string
  /** Set for exact registrations: the version the handler wants. */
  readonly event: AnyEvent | undefined
  /** Set for wildcard registrations. */
  readonly pattern: string | undefined
  readonly handler: Handler
  readonly options: HandlerOptions
  /** The handler's own timeout (`options.timeout`), in ms. */
  readonly timeoutMs: number | undefined
  /** The handler's own retry policy (`options.retry`), over the consumer's. */
  readonly retry: Partial<RetryPolicy> | undefined
  /** Set for batch registrations (onBatch): how batches form, and the handler taking them. */
  readonly batch: { spec: BatchSpec; handler: BatchHandler } | undefined
}

/** A route chosen for one record and the definition whose schema (and upcasters) reach it. */
export interface RouteMatch {
  route: Route
  target: AnyEvent
  /** How the record's version reaches `target` (resolveVersion), found once per type and version. */
  resolution: Resolution | undefined
}

export type Routing = { kind: 'routes'; matches: RouteMatch[] } | { kind: 'unknown' } | { kind: 'unhandled' }

export class Router {
  readonly #routes: Route[] = []
  /** By type, then version: no string is made per record to look a routing up. */
  readonly #cache = new Map<string, Map<string, Routing>>()
  readonly #catalog: Catalog
  /** The last routing looked up: records come in runs of one type and version, compared without hashing. */
  #lastType: string | undefined
  #lastVersion: string | undefined
  #last: Routing | undefined

  constructor(catalog: Catalog) {
    this.#catalog = catalog
  }

  get routes(): readonly Route[] {
    return this.#routes
  }

  add(
    target: AnyEvent | string,
    handler: Handler,
    options: HandlerOptions = {},
    batch?: { spec: BatchSpec; handler: BatchHandler },
  ): Route {
    let event: AnyEvent | undefined
    let pattern: string | undefined
    if (typeof target !== 'string') {
      event = target
      if (!this.#catalog.events.includes(target)) {
        throw new CatalogError(
          `${target.type} v${target.version} is not in this consumer's catalog: add it to the catalog`,
        )
      }
    } else if (isPattern(target)) {
      assertPattern(target)
      pattern = target
      if (this.#catalog.match(target).length === 0) {
        throw new CatalogError(`no event in the catalog matches "${target}"`)
      }
    } else {
      event = this.#catalog.latest(target)
      if (!event) throw new CatalogError(`no event type "${target}" in the catalog`)
    }
    const named = renamed(options, { timeoutMs: 'timeout' }, 'handler')
    const issues: ValidationIssue[] = []
    const timeoutMs = named.timeout === undefined ? undefined : durationMs(named.timeout, 0, 'timeout', issues)
    if (timeoutMs !== undefined) need(timeoutMs > 0, issues, 'timeout', 'must be more than 0')
    // Checked now (the consumer's policy is applied over it later), so that a bad one fails here.
    if (named.retry) resolveRetry(named.retry, issues)
    if (issues.length > 0) throw new ConfigError(`invalid handler options: ${formatIssues(issues)}`, issues)
    const route: Route = {
      id: this.#routes.length,
      name: options.name ?? (event ? `${event.type}@${event.version}` : pattern!),
      event,
      pattern,
      handler,
      options,
      timeoutMs,
      retry: named.retry,
      batch,
    }
    this.#routes.push(route)
    this.#cache.clear()
    this.#last = this.#lastType = this.#lastVersion = undefined
    return route
  }

  /** Topics the registered handlers need. */
  topics(): string[] {
    const names = new Set<string>()
    for (const route of this.#routes) {
      const events = route.event ? [route.event] : this.#catalog.match(route.pattern!)
      for (const event of events) names.add(event.topic.name)
    }
    return [...names]
  }

  /**
   * Event versions that reach a batch handler and another handler too (or two batch handlers): a
   * record is handled either alone or in a batch, so such registrations are refused at start.
   */
  batchConflicts(): string[] {
    const conflicts: string[] = []
    for (const event of this.#catalog.events) {
      const routing = this.route(event.type, event.version)
      if (routing.kind !== 'routes' || routing.matches.length < 2) continue
      if (routing.matches.some((m) => m.route.batch))
        conflicts.push(`${event.type} v${event.version} (${routing.matches.map((m) => m.route.name).join(', ')})`)
    }
    return conflicts
  }

  /** Topics with a batch handler for some event on them. */
  batchTopics(): Set<string> {
    const names = new Set<string>()
    for (const route of this.#routes) {
      if (!route.batch) continue
      const events = route.event ? [route.event] : this.#catalog.match(route.pattern!)
      for (const event of events) names.add(event.topic.name)
    }
    return names
  }

  route(type: string, version: string): Routing {
    const last = this.#last
    if (last !== undefined && type === this.#lastType && version === this.#lastVersion) return last
    const routing = this.#lookup(type, version)
    this.#lastType = type
    this.#lastVersion = version
    this.#last = routing
    return routing
  }

  #lookup(type: string, version: string): Routing {
    let byVersion = this.#cache.get(type)
    if (!byVersion) {
      byVersion = new Map()
      this.#cache.set(type, byVersion)
    }
    let routing = byVersion.get(version)
    if (!routing) {
      routing = this.#compute(type, version)
      byVersion.set(version, routing)
    }
    return routing
  }

  #compute(type: string, version: string): Routing {
    const asProduced = this.#catalog.find(type, version)
    const matches: RouteMatch[] = []
    // Exact routes: among the versions handlers asked for, the nearest one the record can reach.
    const exact = this.#routes.filter((r) => r.event?.type === type)
    const reachable = exact.filter((r) => resolveVersion(r.event!, version) !== undefined)
    const best = reachable.reduce<number | undefined>(
      (m, r) => (m === undefined || r.event!.major < m ? r.event!.major : m),
      undefined,
    )
    const match = (route: Route, target: AnyEvent): RouteMatch => ({
      route,
      target,
      resolution: resolveVersion(target, version),
    })
    for (const route of reachable) if (route.event!.major === best) matches.push(match(route, route.event!))
    if (exact.length > 0 && reachable.length === 0) {
      // A version no handler can read (e.g. a newer major): routed anyway so that payloadFor
      // explains the failure and the record goes to the DLQ instead of being silently skipped.
      for (const route of exact) matches.push(match(route, route.event!))
    }
    if (asProduced) {
      for (const route of this.#routes) {
        if (route.pattern !== undefined && matchesPattern(route.pattern, type)) matches.push(match(route, asProduced))
      }
    }
    if (matches.length > 0) return { kind: 'routes', matches: matches.sort((a, b) => a.route.id - b.route.id) }
    return asProduced || this.#catalog.versions(type).length > 0 ? { kind: 'unhandled' } : { kind: 'unknown' }
  }
}

function need(ok: boolean, issues: ValidationIssue[], path: string, message: string): void {
  if (!ok) issues.push({ path, message })
}
