// The HTTP side every service of the order system shares: a Fastify server whose requests run in
// an event context (the correlation id comes from the request or is made, and is sent back), one
// log line and one trace span per request, JSON errors, the health endpoints and /metrics.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { contextFromHttpHeaders, runWithContext, type EventContext, type KafkitHealth, type Logger } from 'kafkit'
import { traceRequests } from './http-tracing.ts'
import type { MetricsHandler } from './telemetry.ts'

export const CORRELATION_HEADER = 'x-correlation-id'

declare module 'fastify' {
  interface FastifyRequest {
    eventContext: EventContext
  }
}

export interface Readiness {
  ready: boolean
  /** What each dependency reports, e.g. `{ consumer: 'running' }`. */
  checks: Record<string, string>
  /** kafkit's health report: producer and consumers, lag, last commit, heartbeats. */
  health?: KafkitHealth
}

export interface Liveness {
  /** False once the service has been down for longer than it may take to reconnect by itself. */
  alive: boolean
  health: KafkitHealth
}

/** Probes and scrapes: neither logged nor traced (they come every few seconds). */
const QUIET = ['/health', '/ready', '/metrics']

export interface HttpOptions {
  logger: Logger
  /** Largest request body accepted; bigger ones get 413. Default 64 KiB. */
  bodyLimit?: number
  readiness: () => Readiness
  /** Liveness for /health (default: alive while the process answers). */
  liveness?: () => Liveness
  /** Serves /metrics (the Prometheus exporter of the OpenTelemetry SDK). */
  metrics?: MetricsHandler | undefined
}

/** An error the error handler answers with its status and message, like Fastify's own. */
function httpError(statusCode: number, message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode })
}

/** The first key JSON may carry but no object of ours should: it would reach a prototype if merged. */
function forbiddenKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return key
    const found = forbiddenKey(inner)
    if (found) return found
  }
  return undefined
}

export function createHttpServer(options: HttpOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    return503OnClosing: true,
    // Errors met before routing (a bad percent-encoding, a URL the router refuses) get the same
    // {error, message} as every other error, not Fastify's default shape.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      void (reply as FastifyReply)
        .status(tooLong ? 414 : 400)
        .send(
          tooLong
            ? { error: 'uri_too_long', message: 'a path segment is longer than 100 characters' }
            : { error: 'bad_request', message: error.message },
        )
    },
  })
  // JSON bodies are parsed here, so that a forbidden key is named instead of "not valid JSON".
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    let value: unknown
    try {
      value = JSON.parse(body as string)
    } catch (err) {
      return done(httpError(400, `the body is not valid JSON: ${(err as Error).message}`), undefined)
    }
    const key = forbiddenKey(value)
    if (key) return done(httpError(400, `the body has a forbidden key: ${key}`), undefined)
    done(null, value)
  })
  app.decorateRequest('eventContext', null as unknown as EventContext)
  traceRequests(app, QUIET)
  app.addHook('onRequest', (request, reply, done) => {
    request.eventContext = contextFromHttpHeaders(request.headers)
    void reply.header(CORRELATION_HEADER, request.eventContext.correlationId)
    done()
  })
  // After the body is parsed (its stream events run outside any request context), so that the
  // handler and everything it publishes run inside the request's event context.
  app.addHook('preHandler', (request, _reply, done) => runWithContext(request.eventContext, done))
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(options.logger, request, reply)
    done()
  })
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500
    if (status >= 500)
      options.logger.error({ err: error, correlationId: request.eventContext?.correlationId }, 'request failed')
    return reply.status(status).send({
      error: status === 413 ? 'payload_too_large' : status >= 500 ? 'internal_error' : 'bad_request',
      message: status >= 500 ? 'the request could not be handled' : error.message,
    })
  })
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }),
  )
  app.get('/health', (_request, reply) => {
    const liveness = options.liveness?.()
    if (!liveness || liveness.alive) return { status: 'ok' }
    return reply.status(503).send({ status: 'down', health: liveness.health })
  })
  const metrics = options.metrics
  if (metrics) {
    app.get('/metrics', (request, reply) => {
      reply.hijack()
      metrics(request.raw, reply.raw)
    })
  }
  app.get('/ready', (_request, reply) => {
    const readiness = options.readiness()
    return reply
      .status(readiness.ready ? 200 : 503)
      .send({ status: readiness.ready ? 'ready' : 'not_ready', ...readiness })
  })
  return app
}

function logRequest(logger: Logger, request: FastifyRequest, reply: FastifyReply) {
  // Probes run every few seconds: logging them would bury everything else.
  if (QUIET.includes(request.url)) return
  logger.info(
    {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      correlationId: request.eventContext?.correlationId,
    },
    'http request',
  )
}

/** Listens and returns the base URL (the real port when 0 asked for any free one). */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port })
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${shownHost}:${actualPort}`
}
