// Publishing a deprecated event version: a warning once per version and producer, and a metric per
// publish, so that dashboards show who still publishes it while the window runs.
import type { AnyEvent, Deprecation } from '../catalog/event.ts'
import type { Logger } from '../logging/logger.ts'
import type { ProducerTelemetry } from '../observability/producer.ts'
import { day, deprecationWarning, windowEnd } from '../schema/deprecation.ts'

export class DeprecationNotices {
  readonly #warned = new WeakSet<AnyEvent>()
  readonly #log: Logger
  readonly #telemetry: ProducerTelemetry | undefined

  constructor(log: Logger, telemetry: ProducerTelemetry | undefined) {
    this.#log = log
    this.#telemetry = telemetry
  }

  published(event: AnyEvent): void {
    const deprecated: Deprecation | undefined = event.deprecated
    if (!deprecated) return
    this.#telemetry?.deprecated(event)
    if (this.#warned.has(event)) return
    this.#warned.add(event)
    this.#log.warn(
      {
        eventType: event.type,
        eventVersion: event.version,
        deprecatedSince: deprecated.since,
        windowEnds: day(windowEnd(deprecated)),
      },
      deprecationWarning({ ...event, deprecated }),
    )
  }
}
