// Observability: OpenTelemetry spans and metrics (through @opentelemetry/api only: the application
// registers the SDK and exporters), consumer lag, and health reports. See docs/observability.md.
export type { OffsetsClient } from './lag.ts'
export { Attr, Metrics, SpanEvents, INSTRUMENTATION_NAME, type RecordOutcome } from './names.ts'
export {
  worstStatus,
  type ConsumerHealth,
  type HealthOptions,
  type HealthStatus,
  type KafkitHealth,
  type LagReport,
  type PartitionLag,
  type ProducerHealth,
  type RunnerHealth,
} from './health.ts'
