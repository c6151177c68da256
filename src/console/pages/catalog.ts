// Catalog: its topics (key, partitions, DLQ, present in the cluster or not), events by type with
// every version and schema, and who publishes (the sources seen in the latest records) and who
// consumes (groups that committed offsets on the topic).
import type { AnyEvent } from '../../catalog/event.ts'
import { dlqTopicOf } from '../../catalog/topic.ts'
import { html } from '../html.ts'
import type { ConsoleModel } from '../model.ts'
import type { ShownSchema } from '../schemas.ts'
import { badge, table, type Page } from './layout.ts'

export interface CatalogFacts {
  schemas: Map<AnyEvent, ShownSchema>
  /** Sources (the envelope's `source`) seen per topic in its latest records. */
  publishers: Map<string, string[]>
}

export function catalogPage(model: ConsoleModel, facts: CatalogFacts | undefined): Page {
  const catalog = model.catalog
  if (!catalog || !facts) {
    return {
      title: 'Catalog',
      nav: 'catalog',
      body: html`<p>
        No catalog loaded. Start the console with <code>--catalog path/to/module.ts#export</code> (or set
        <code>KAFKIT_CATALOG</code>), e.g.
        <code>kafkit console --catalog examples/catalogs/orders.ts#ordersCatalog</code>.
      </p>`,
    }
  }
  const present = new Set(model.sample?.cluster.topics.map((t) => t.name) ?? [])
  const consumers = (topic: string) =>
    (model.sample?.groups ?? []).filter((g) => g.topics.includes(topic)).map((g) => g.id)
  const topics = catalog.topics()
  const body = html`<h2>Topics</h2>
    ${table(
      ['topic', 'key', 'partitions', 'DLQ', 'published by', 'consumed by'],
      topics.map((t) => {
        const dlq = dlqTopicOf(t)
        return html`<tr data-catalog-topic="${t.name}">
          <td>
            ${present.has(t.name) ? html`<a href="/topics/${encodeURIComponent(t.name)}">${t.name}</a>` : html`${t.name} ${badge('missing', 'not in the cluster')}`}
          </td>
          <td>${t.keyField ?? '(function or none)'}</td>
          <td class="num">${t.partitions}</td>
          <td>${present.has(dlq) ? html`<a href="/dlq/${encodeURIComponent(dlq)}">${dlq}</a>` : dlq}</td>
          <td>${(facts.publishers.get(t.name) ?? []).join(', ') || '-'}</td>
          <td>${consumers(t.name).join(', ') || '-'}</td>
        </tr>`
      }),
    )}
    <h2>Events</h2>
    ${catalog.types().map((type) => {
      const versions = catalog.versions(type)
      return html`<h3 id="${type}">${type}</h3>
        ${versions.map((event) => {
          const shown = facts.schemas.get(event)
          const deprecated = (event as { deprecated?: { since?: string } }).deprecated
          return html`<details data-event="${type}@${event.version}">
            <summary>
              <b>${event.version}</b> on
              ${event.topic.name}${deprecated ? badge('warn', `deprecated since ${deprecated.since ?? '?'}`) : ''}
              ${shown ? html` <span class="muted">schema from ${shown.source}</span>` : ''}
            </summary>
            ${
              shown?.schema
                ? html`<pre>
${typeof shown.schema === 'string' ? shown.schema : JSON.stringify(shown.schema, null, 2)}</pre>`
                : html`<p class="muted">${shown?.problem ?? 'no schema'}</p>`
            }
          </details>`
        })}`
    })}`
  return { title: 'Catalog', nav: 'catalog', body }
}
