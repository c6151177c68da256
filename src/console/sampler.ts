// The console's view of the cluster, refreshed on a timer: topics with offsets and sizes, consumer
// groups with members and lag, the health the services report, and a few minutes of history (lag
// per group, records written per topic) for the charts and the message rates. Pages read the last
// sample; they never wait on Kafka.
import type { Admin } from '@platformatic/kafka'
import { readCluster, type ClusterState } from '../admin/cluster.ts'
import { readGroups, type GroupState } from '../admin/groups.ts'
import { errorMessage } from '../errors.ts'

export interface Point {
  at: number
  value: number
}

export interface ServiceHealth {
  url: string
  service: string | undefined
  status: string
  /** Consumer groups the service runs, with their status and reasons. */
  groups: { group: string; status: string; reasons: string[] }[]
  error: string | undefined
}

export interface Sample {
  cluster: ClusterState
  groups: GroupState[]
  health: ServiceHealth[]
  at: number
  tookMs: number
}

export interface SamplerOptions {
  intervalMs: number
  /** How much history the charts show. */
  historyMs: number
  /** Service endpoints that return kafkit health (GET /ready or /health of the example services). */
  healthUrls: readonly string[]
  /** Called after each sample (the DLQ indexes scan then). */
  onSample?: (sample: Sample) => Promise<void> | void
}

export class Sampler {
  readonly #admin: Admin
  readonly #options: SamplerOptions
  #sample: Sample | undefined
  #error: string | undefined
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = false
  readonly #lag = new Map<string, Point[]>()
  readonly #written = new Map<string, Point[]>()
  readonly #waiters: (() => void)[] = []

  constructor(admin: Admin, options: SamplerOptions) {
    this.#admin = admin
    this.#options = options
  }

  get sample(): Sample | undefined {
    return this.#sample
  }

  /** The last sampling error, when the last sample failed (pages show it over stale data). */
  get error(): string | undefined {
    return this.#error
  }

  start(): void {
    void this.refresh()
  }

  /** Samples now (or joins the sample under way). Never rejects: a failure is kept in `error`. */
  refresh(): Promise<void> {
    this.#running ??= this.#take().finally(() => {
      this.#running = undefined
      if (!this.#stopped) this.#timer = setTimeout(() => void this.refresh(), this.#options.intervalMs)
    })
    clearTimeout(this.#timer)
    return this.#running
  }

  /** A sample that started after this call (one under way may predate a change just made). */
  async update(): Promise<void> {
    if (this.#running) await this.#running
    await this.refresh()
  }

  /** Resolves after the next sample completes. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  lagHistory(group: string): Point[] {
    return this.#lag.get(group) ?? []
  }

  /** Records per second written to a topic over the last minute of samples (undefined before two samples). */
  rate(topic: string): number | undefined {
    const points = this.#written.get(topic)
    if (!points || points.length < 2) return undefined
    const last = points.at(-1)!
    const first = points.find((p) => p.at >= last.at - 60_000) ?? points[0]!
    if (last.at === first.at) return undefined
    return ((last.value - first.value) * 1000) / (last.at - first.at)
  }

  async #take(): Promise<void> {
    const started = performance.now()
    try {
      const [cluster, groups, health] = await Promise.all([
        readCluster(this.#admin),
        readGroups(this.#admin),
        Promise.all(this.#options.healthUrls.map((url) => readHealth(url))),
      ])
      const at = Date.now()
      this.#sample = { cluster, groups, health, at, tookMs: performance.now() - started }
      this.#error = undefined
      for (const g of groups) this.#push(this.#lag, g.id, { at, value: g.lag })
      for (const t of cluster.topics) this.#push(this.#written, t.name, { at, value: Number(t.written) })
      await this.#options.onSample?.(this.#sample)
    } catch (error) {
      this.#error = errorMessage(error)
    }
    for (const wake of this.#waiters.splice(0)) wake()
  }

  #push(series: Map<string, Point[]>, key: string, point: Point): void {
    let points = series.get(key)
    if (!points) series.set(key, (points = []))
    points.push(point)
    const oldest = point.at - this.#options.historyMs
    while (points.length > 0 && points[0]!.at < oldest) points.shift()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    for (const wake of this.#waiters.splice(0)) wake()
  }
}

async function readHealth(url: string): Promise<ServiceHealth> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
    const body = (await response.json()) as { health?: unknown; status?: string }
    const health = (body.health ?? body) as {
      service?: string
      status?: string
      consumers?: { group: string; status: string; reasons?: string[] }[]
    }
    return {
      url,
      service: health.service,
      status: health.status ?? body.status ?? (response.ok ? 'ok' : 'down'),
      groups: (health.consumers ?? []).map((c) => ({ group: c.group, status: c.status, reasons: c.reasons ?? [] })),
      error: undefined,
    }
  } catch (error) {
    return { url, service: undefined, status: 'unreachable', groups: [], error: errorMessage(error) }
  }
}
