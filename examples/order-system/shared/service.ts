// What the three services share: a kafkit instance made from the configuration, checked and
// provisioned before anything starts; readiness; and an orderly stop (HTTP first, so no new work
// arrives, then consumers drain and commit and the producer flushes).
import type { FastifyInstance } from 'fastify'
import { createKafkit, createLogger, type Consumer, type Kafkit, type KafkitConfig, type Logger } from 'kafkit'
import { orderFlow } from '../flow.ts'
import { createHttpServer, listen, type Readiness } from './http.ts'

export interface ServiceOptions {
  config: KafkitConfig
  /** Topic namespace of the flow (default `shop`): see flow.ts. */
  namespace?: string
  /** Default: a logger from the configuration (level, format). */
  logger?: Logger
}

export interface RunningService {
  name: string
  /** Base URL of its HTTP server (API and/or health endpoints). */
  url: string
  kafkit: Kafkit
  readiness(): Readiness
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
}): Promise<RunningService> {
  let stopping = false
  const readiness = (): Readiness => {
    const consumer = parts.consumer.status().state
    return {
      ready: !stopping && consumer === 'running',
      checks: { consumer, shutdown: stopping ? 'in progress' : 'no' },
    }
  }
  const app = createHttpServer({
    logger: parts.logger,
    readiness,
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
      async stop() {
        if (stopping) return
        stopping = true
        await app.close()
        await parts.kafkit.close()
        parts.logger.info({}, `${parts.name} stopped`)
      },
    }
  } catch (error) {
    await app.close().catch(() => undefined)
    await parts.kafkit.close()
    throw error
  }
}
