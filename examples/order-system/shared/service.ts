// What the three services share: a kafkit instance made from the configuration, checked and
// provisioned before anything starts; readiness; and an orderly stop (HTTP first, so no new work
// arrives, then consumers drain and commit and the producer flushes).
import type { FastifyInstance } from 'fastify'
import {
  createKafkit,
  createLogger,
  type Consumer,
  type Kafkit,
  type KafkitConfig,
  type KafkitHealth,
  type Logger,
} from 'kafkit'
import { orderFlow } from '../flow.ts'
import { createHttpServer, listen, type Liveness, type Readiness } from './http.ts'
import type { MetricsHandler } from './telemetry.ts'

/**
 * How long a service may be down (reconnecting, its consumer restarting with backoff up to 30 s)
 * before /health says so and the orchestrator restarts it.
 */
const LIVENESS_GRACE_MS = 60_000

export interface ServiceOptions {
  config: KafkitConfig
  /** Topic namespace of the flow (default `shop`): see flow.ts. */
  namespace?: string
  /** Default: a logger from the configuration (level, format). */
  logger?: Logger
  /** Serves GET /metrics (the OpenTelemetry SDK's Prometheus exporter; see telemetry.ts). */
  metrics?: MetricsHandler | undefined
  /** PostgreSQL for the services' state. Default: DATABASE_URL, else an embedded PGlite. */
  databaseUrl?: string | undefined
}

export interface RunningService {
  name: string
  /** Base URL of its HTTP server (API and/or health endpoints). */
  url: string
  kafkit: Kafkit
  readiness(): Readiness
  /** kafkit's health report (producer, consumers, lag, commits, heartbeats). */
  health(): KafkitHealth
  stop(): Promise<void>
}

/** Connects (fails fast on a wrong broker list or credentials) and creates the flow's topics. */
export async function prepareService(name: string, options: ServiceOptions) {
  const flow = orderFlow(options.namespace)
  const logger = options.logger ?? createLogger({ ...options.config.log, name })
  const kafkit = createKafkit({ service: name, catalog: flow.catalog, config: options.config, logger })
  try {
    const cluster = await kafkit.connect()
    logger.info({ brokers: options.config.client.brokers, cluster }, 'connected to Kafka')
    await kafkit.provision()
  } catch (error) {
    await kafkit.close()
    throw error
  }
  return { flow, kafkit, logger: kafkit.logger }
}

/** Starts the consumer, then serves HTTP; returns the running service. */
export async function runService(parts: {
  name: string
  config: KafkitConfig
  kafkit: Kafkit
  consumer: Consumer
  logger: Logger
  routes?: (app: FastifyInstance) => void
  bodyLimit?: number
  metrics?: MetricsHandler | undefined
  /** More readiness details (e.g. the outbox relay's state); they do not change readiness. */
  checks?: () => Record<string, string>
  /** Runs after the consumers stopped and the producer flushed (the outbox relay, the database). */
  onStop?: () => Promise<void>
}): Promise<RunningService> {
  let stopping = false
  const health = () => parts.kafkit.health()
  // Ready while the consumer runs and kafkit is not down (degraded still serves).
  const readiness = (): Readiness => {
    const consumer = parts.consumer.status().state
    const report = health()
    return {
      ready: !stopping && consumer === 'running' && report.status !== 'down',
      checks: { consumer, ...parts.checks?.(), shutdown: stopping ? 'in progress' : 'no' },
      health: report,
    }
  }
  let downSince: number | undefined
  const liveness = (): Liveness => {
    const report = health()
    if (report.status !== 'down' || stopping) downSince = undefined
    else downSince ??= Date.now()
    return { alive: downSince === undefined || Date.now() - downSince < LIVENESS_GRACE_MS, health: report }
  }
  const app = createHttpServer({
    logger: parts.logger,
    readiness,
    liveness,
    metrics: parts.metrics,
    ...(parts.bodyLimit !== undefined && { bodyLimit: parts.bodyLimit }),
  })
  parts.routes?.(app)
  try {
    await parts.consumer.start()
    const url = await listen(app, parts.config.app.host, parts.config.app.port)
    parts.logger.info({ url }, `${parts.name} ready`)
    return {
      name: parts.name,
      url,
      kafkit: parts.kafkit,
      readiness,
      health,
      async stop() {
        if (stopping) return
        stopping = true
        await app.close()
        await parts.kafkit.close()
        await parts.onStop?.()
        parts.logger.info({}, `${parts.name} stopped`)
      },
    }
  } catch (error) {
    await app.close().catch(() => undefined)
    await parts.kafkit.close()
    await parts.onStop?.().catch(() => undefined)
    throw error
  }
}
