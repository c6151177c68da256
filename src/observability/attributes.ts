import type { Attributes } from '@opentelemetry/api'
import { Attr } from './names.ts'

/**
 * Metric attributes per (topic, event type), built once and reused: recording a metric on the hot
 * path must not allocate an attribute object per record.
 */
export class TopicTypeAttributes {
  readonly #base: Attributes
  readonly #byTopic = new Map<string, Map<string, Attributes>>()

  constructor(base: Attributes) {
    this.#base = base
  }

  of(topic: string, type: string | undefined): Attributes {
    let byType = this.#byTopic.get(topic)
    if (!byType) {
      byType = new Map()
      this.#byTopic.set(topic, byType)
    }
    let attributes = byType.get(type ?? '')
    if (!attributes) {
      attributes = { ...this.#base, [Attr.destination]: topic }
      if (type !== undefined) attributes[Attr.eventType] = type
      byType.set(type ?? '', attributes)
    }
    return attributes
  }
}
