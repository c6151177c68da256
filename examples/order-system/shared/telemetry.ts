// The OpenTelemetry SDK of a service process: kafkit itself only talks to @opentelemetry/api, so the
// application chooses where spans and metrics go. Configured by the standard OTEL_* variables:
// - OTEL_SDK_DISABLED=true: no SDK at all (kafkit's instrumentation stays a no-op);
// - OTEL_SERVICE_NAME (default: the service's name), OTEL_RESOURCE_ATTRIBUTES;
// - OTEL_METRICS_EXPORTER: `prometheus` (default: served on the service's own HTTP port at /metrics),
//   `otlp`, `console`, `none`, comma-separated;
// - OTEL_TRACES_EXPORTER: `otlp`, `console`, `none`; default `otlp` when an OTLP endpoint is set
//   (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), else `none`: a service run
//   without a collector does not log export failures every few seconds;
// - the OTLP exporters (HTTP/protobuf-JSON) read OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { context, metrics, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { detectResources, resourceAttributesEnvDetector, resourceFromAttributes } from '@opentelemetry/resources'
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace'

export type MetricsHandler = (request: IncomingMessage, response: ServerResponse) => void

export interface Telemetry {
  /** Serves the Prometheus text format; undefined when Prometheus is not among the exporters. */
  metricsHandler: MetricsHandler | undefined
  /** Where traces and metrics go, for the startup log line. */
  exporters: { traces: string[]; metrics: string[] }
  /** Flushes what is buffered and shuts the SDK down (last, after kafkit closed). */
  stop(): Promise<void>
}

const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)

export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  if (env['OTEL_SDK_DISABLED']?.toLowerCase() === 'true') {
    return { metricsHandler: undefined, exporters: { traces: [], metrics: [] }, stop: () => Promise.resolve() }
  }
  const otlp = Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
  const otlpMetrics = Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'])
  const tracesTo = (list(env['OTEL_TRACES_EXPORTER']) ?? (otlp ? ['otlp'] : [])).filter((e) => e !== 'none')
  const metricsTo = (list(env['OTEL_METRICS_EXPORTER']) ?? ['prometheus', ...(otlpMetrics ? ['otlp'] : [])]).filter(
    (e) => e !== 'none',
  )
  const resource = resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] || service }).merge(
    detectResources({ detectors: [resourceAttributesEnvDetector] }),
  )

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  )
  const spanProcessors: SpanProcessor[] = tracesTo.map((name) => {
    if (name === 'otlp') return new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })
    if (name === 'console') return new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() })
    throw new Error(`OTEL_TRACES_EXPORTER: unknown exporter "${name}" (otlp, console or none)`)
  })
  // Registered even without an exporter: HTTP and kafkit spans still carry the trace across services.
  const tracerProvider = new TracerProvider({ resource, spanProcessors })
  trace.setGlobalTracerProvider(tracerProvider)

  let prometheus: PrometheusExporter | undefined
  const readers: IMetricReader[] = metricsTo.map((name) => {
    if (name === 'prometheus') return (prometheus = new PrometheusExporter({ preventServerStart: true }))
    if (name === 'otlp') return new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })
    if (name === 'console') return new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })
    throw new Error(`OTEL_METRICS_EXPORTER: unknown exporter "${name}" (prometheus, otlp, console or none)`)
  })
  const meterProvider = new MeterProvider({ resource, readers })
  metrics.setGlobalMeterProvider(meterProvider)

  return {
    metricsHandler: prometheus && ((request, response) => prometheus!.getMetricsRequestHandler(request, response)),
    exporters: { traces: tracesTo, metrics: metricsTo },
    async stop() {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()])
    },
  }
}
