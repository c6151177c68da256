// What the Catalog page shows beside the catalog itself: each event version's schema, and the
// services seen publishing to each topic.
import type { ConsoleModel } from './model.ts'
import type { CatalogFacts } from './pages/catalog.ts'
import type { PartitionReader } from './partition-reader.ts'
import type { SchemaSource } from './schemas.ts'

/** Schemas once, the publishers seen at most every 10 s (read from the last records of each catalog topic). */
export function catalogFactsLoader(
  model: ConsoleModel,
  reader: PartitionReader,
  schemas: SchemaSource,
): () => Promise<CatalogFacts | undefined> {
  let cached: { at: number; facts: CatalogFacts } | undefined
  return async () => {
    const catalog = model.catalog
    if (!catalog) return undefined
    if (cached && Date.now() - cached.at < 10_000) return cached.facts
    const shown = new Map(await Promise.all(catalog.events.map(async (e) => [e, await schemas(e)] as const)))
    const publishers = new Map<string, string[]>()
    const since = Date.now() - 24 * 3_600_000
    for (const topic of catalog.topics()) {
      const sources = new Set<string>()
      const state = model.sample?.cluster.topics.find((t) => t.name === topic.name)
      for (const p of state?.partitions ?? []) {
        const from = p.latest - 20n > p.earliest ? p.latest - 20n : p.earliest
        if (from >= p.latest) continue
        const chunk = await reader.read(topic.name, p.partition, from, 256 * 1024).catch(() => undefined)
        for (const m of chunk?.messages ?? []) {
          try {
            const source = (JSON.parse(m.value?.toString('utf8') ?? '') as { source?: unknown }).source
            if (typeof source === 'string' && Number(m.timestamp) >= since) sources.add(source)
          } catch {
            // Not JSON: another codec or not an event; the Tail page shows what it is.
          }
        }
      }
      publishers.set(topic.name, [...sources].sort())
    }
    cached = { at: Date.now(), facts: { schemas: shown, publishers } }
    return cached.facts
  }
}
