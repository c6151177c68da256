// HTTP SERVER spans for the Fastify servers, in a few hooks instead of an auto-instrumentation
// (those patch modules through loader hooks, which an ESM program must be started with). The span
// continues the caller's trace (`traceparent`), and the route handler runs inside it, so the
// kafkit publish it makes is its child: one trace from the HTTP request through every service.
import {
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    traceSpan: { span: Span; context: Context } | undefined
  }
}

/** Traces every request except those to `skip` (probes and scrapes, which would drown the rest). */
export function traceRequests(app: FastifyInstance, skip: readonly string[]): void {
  const tracer = trace.getTracer('order-system-http')
  app.decorateRequest('traceSpan', undefined)
  app.addHook('onRequest', (request, _reply, done) => {
    if (skip.includes(request.url)) return done()
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    const route = request.routeOptions.url
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          'url.scheme': request.protocol,
          ...(route && { 'http.route': route }),
          ...(request.headers['user-agent'] && { 'user_agent.original': request.headers['user-agent'] }),
        },
      },
      parent,
    )
    request.traceSpan = { span, context: trace.setSpan(parent, span) }
    done()
  })
  // The route handler (and all it awaits) runs in the span's context.
  app.addHook('preHandler', (request, _reply, done) => {
    const traced = request.traceSpan
    if (traced) otelContext.with(traced.context, done)
    else done()
  })
  const end = (request: { traceSpan: { span: Span } | undefined }, status: number | undefined) => {
    const traced = request.traceSpan
    if (!traced) return
    request.traceSpan = undefined
    if (status !== undefined) traced.span.setAttribute('http.response.status_code', status)
    if (status === undefined || status >= 500) {
      traced.span.setAttribute('error.type', status === undefined ? 'aborted' : String(status))
      traced.span.setStatus({ code: SpanStatusCode.ERROR })
    }
    traced.span.end()
  }
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode)
    done()
  })
  app.addHook('onRequestAbort', (request, done) => {
    end(request, undefined)
    done()
  })
}
