// Everything the pages read: the last sample of the cluster, the DLQ indexes, the catalog, the
// replay jobs; and the facts derived from them (which topics are DLQs or in the catalog, which
// groups are kafkit's).
import type { Catalog } from '../catalog/catalog.ts'
import { dlqTopicOf } from '../catalog/topic.ts'
import type { ClientOptions } from '../config/client.ts'
import type { GroupState } from '../admin/groups.ts'
import { DlqIndex } from './dlq-index.ts'
import type { PartitionReader } from './partition-reader.ts'
import type { Sample, Sampler, ServiceHealth } from './sampler.ts'

export class ConsoleModel {
  readonly client: ClientOptions
  readonly sampler: Sampler
  readonly reader: PartitionReader
  readonly catalog: Catalog | undefined
  readonly dlqs = new Map<string, DlqIndex>()
  readonly #catalogDlqs: Set<string>
  readonly #catalogTopics: Set<string>

  constructor(options: {
    client: ClientOptions
    sampler: Sampler
    reader: PartitionReader
    catalog: Catalog | undefined
  }) {
    this.client = options.client
    this.sampler = options.sampler
    this.reader = options.reader
    this.catalog = options.catalog
    const topics = options.catalog?.topics() ?? []
    this.#catalogTopics = new Set(topics.map((t) => t.name))
    this.#catalogDlqs = new Set(topics.map((t) => dlqTopicOf(t)))
  }

  get sample(): Sample | undefined {
    return this.sampler.sample
  }

  isDlq(topic: string): boolean {
    return this.#catalogDlqs.has(topic) || topic.endsWith('.dlq')
  }

  inCatalog(topic: string): boolean {
    return this.#catalogTopics.has(topic)
  }

  /** Indexes every DLQ topic of the sample and reads what is new in each. */
  async scanDlqs(sample: Sample): Promise<void> {
    await Promise.all(
      sample.cluster.topics
        .filter((t) => this.isDlq(t.name))
        .map((t) => {
          let index = this.dlqs.get(t.name)
          if (!index) this.dlqs.set(t.name, (index = new DlqIndex(this.reader, t.name)))
          return index.scan(t.partitions.length).catch(() => undefined)
        }),
    )
  }

  /** A kafkit group: a service reports its health, it consumes a catalog topic, or its members use kafkit's client id. */
  isKafkitGroup(group: GroupState): boolean {
    if (this.healthOf(group.id)) return true
    if (group.topics.some((t) => this.#catalogTopics.has(t))) return true
    return group.members.length > 0 && group.members.every((m) => m.clientId === `${group.id}-consumer`)
  }

  healthOf(group: string): { service: ServiceHealth; status: string; reasons: string[] } | undefined {
    for (const service of this.sample?.health ?? []) {
      const found = service.groups.find((g) => g.group === group)
      if (found) return { service, status: found.status, reasons: found.reasons }
    }
    return undefined
  }
}
