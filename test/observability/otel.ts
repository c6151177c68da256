// An OpenTelemetry SDK for tests: spans into memory, metrics from a reader the test collects on
// demand, the AsyncLocalStorage context manager and the W3C propagator, all registered globally
// (node:test runs each file in its own process, so this affects only the file that calls it).
import { context, metrics, propagation, trace, type Attributes } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'

/** A reader that exports nothing by itself: the test calls collect(). */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve()
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve()
  }
}

export interface Otel {
  spans: InMemorySpanExporter
  /** Waits until every ended span is exported (SimpleSpanProcessor exports asynchronously). */
  flush(): Promise<void>
  /** Every finished span (call flush() first to see those just ended). */
  finished(): ReadableSpan[]
  /** The kafkit metric of that name at this moment (undefined if nothing was recorded). */
  metric(name: string): Promise<MetricData | undefined>
  /** Sum of a counter's (or gauge's) points whose attributes include `match`. */
  sum(name: string, match?: Attributes): Promise<number>
  /** Number of recordings of a histogram whose attributes include `match`. */
  count(name: string, match?: Attributes): Promise<number>
}

export function installOtel(): Otel {
  const contextManager = new AsyncLocalStorageContextManager()
  contextManager.enable()
  context.setGlobalContextManager(contextManager)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const spans = new InMemorySpanExporter()
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] })
  trace.setGlobalTracerProvider(tracerProvider)
  const reader = new CollectingReader()
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))

  const metric = async (name: string) => {
    const { resourceMetrics } = await reader.collect()
    for (const scope of resourceMetrics.scopeMetrics) {
      if (scope.scope.name !== 'kafkit') continue
      const found = scope.metrics.find((m) => m.descriptor.name === name)
      if (found) return found
    }
    return undefined
  }
  const points = async (name: string, match: Attributes): Promise<DataPoint<unknown>[]> => {
    const data = await metric(name)
    const all = (data?.dataPoints ?? []) as DataPoint<unknown>[]
    return all.filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
  }
  return {
    spans,
    flush: () => tracerProvider.forceFlush(),
    finished: () => spans.getFinishedSpans(),
    metric,
    async sum(name, match = {}) {
      return (await points(name, match)).reduce((total, p) => total + (p.value as number), 0)
    },
    async count(name, match = {}) {
      const data = await metric(name)
      if (data && data.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`)
      return (await points(name, match)).reduce((total, p) => total + (p.value as Histogram).count, 0)
    },
  }
}

/** The span's parent span id (undefined for a root span). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}
