// Overview: brokers, topics (partitions, records, rate, size, catalog and DLQ badges), one topic.
import { html, query, type Html } from '../html.ts'
import type { ConsoleModel } from '../model.ts'
import { badge, bytes, num, table, type Page } from './layout.ts'

const MAX_ROWS = 300

export function overviewPage(model: ConsoleModel, params: { q?: string; catalog?: string }): Page {
  const sample = model.sample
  const head = html`<form class="filters" method="get" action="/">
    <label>topic contains <input name="q" value="${params.q ?? ''}" placeholder="orders" /></label>
    <label
      >only
      <select name="catalog">
        <option value="">all topics</option>
        <option value="1" ${params.catalog ? html` selected` : ''}>catalog topics</option>
      </select></label
    >
    <button type="submit">Filter</button>
  </form>`
  if (!sample)
    return {
      title: 'Overview',
      nav: 'overview',
      head,
      body: html`<p class="muted">Reading the cluster…</p>`,
      live: true,
    }
  const { cluster, groups } = sample
  const q = params.q?.toLowerCase()
  const topics = cluster.topics.filter(
    (t) => (!q || t.name.toLowerCase().includes(q)) && (!params.catalog || model.inCatalog(t.name)),
  )
  const dlqFailures = [...model.dlqs.values()].reduce((sum, d) => sum + d.size, 0)
  const rows = topics.slice(0, MAX_ROWS).map((t) => {
    const rate = model.sampler.rate(t.name)
    return html`<tr data-topic="${t.name}">
      <td>
        <a href="/topics/${encodeURIComponent(t.name)}">${t.name}</a
        >${model.inCatalog(t.name) ? badge('catalog') : ''}${model.isDlq(t.name) ? badge('dlq') : ''}
      </td>
      ${num(t.partitions.length)}${num(t.replicationFactor)}${num(t.records)}${num(t.written)}
      <td class="num">${rate === undefined ? '-' : rate.toFixed(1)}</td>
      <td class="num">${bytes(t.bytes)}</td>
    </tr>`
  })
  const body = html`<div class="cards">
      <div class="card">brokers<b>${cluster.brokers.length}</b></div>
      <div class="card">topics<b data-testid="topic-count">${cluster.topics.length}</b></div>
      <div class="card">consumer groups<b>${groups.length}</b></div>
      <div class="card">DLQ failures<b>${dlqFailures.toLocaleString('en-US')}</b></div>
      <div class="card">
        refreshed<b>${new Date(sample.at).toISOString().slice(11, 19)}Z</b
        ><span class="muted">in ${Math.round(sample.tookMs)} ms</span>
      </div>
    </div>
    <h2>Brokers</h2>
    ${table(
      ['id', 'address', 'rack', 'role'],
      cluster.brokers.map(
        (b) =>
          html`<tr>
            <td>${b.id}</td>
            <td>${b.host}:${b.port}</td>
            <td>${b.rack ?? '-'}</td>
            <td>${b.controller ? 'controller' : ''}</td>
          </tr>`,
      ),
    )}
    <h2>Topics</h2>
    ${table(['topic', 'partitions', 'replicas', 'records', 'written', 'records/s (1 min)', 'size'], rows, [1, 2, 3, 4, 5, 6])}
    ${topics.length > MAX_ROWS ? html`<p class="muted">${topics.length - MAX_ROWS} more topics: narrow the filter.</p>` : ''}
    ${topics.length === 0 ? html`<p class="muted">No topic matches.</p>` : ''}`
  return { title: 'Overview', nav: 'overview', head, body, live: true }
}

export function topicPage(model: ConsoleModel, name: string): Page {
  const topic = model.sample?.cluster.topics.find((t) => t.name === name)
  if (!topic)
    return { title: name, nav: 'overview', body: html`<p class="error">No topic ${name} in the last sample.</p>` }
  const readers = (model.sample?.groups ?? []).filter((g) => g.topics.includes(name))
  const events = model.catalog?.events.filter((e) => e.topic.name === name) ?? []
  const body: Html = html`<p>
      ${topic.partitions.length} partitions, replication ${topic.replicationFactor},
      ${topic.records.toLocaleString('en-US')} records held, ${bytes(topic.bytes)}.
      <a href="/tail${query({ topic: name })}">Tail it</a
      >${model.isDlq(name) ? html` · <a href="/dlq/${encodeURIComponent(name)}">Open as DLQ</a>` : ''}
    </p>
    ${events.length > 0 ? html`<p>Catalog events: ${events.map((e) => html`<code>${e.type}@${e.version}</code> `)}</p>` : ''}
    <h2>Partitions</h2>
    ${table(
      ['partition', 'leader', 'replicas', 'in sync', 'earliest', 'latest', 'records', 'size'],
      topic.partitions.map(
        (p) =>
          html`<tr>
            <td>${p.partition}</td>
            <td>${p.leader}</td>
            <td>${p.replicas.join(',')}</td>
            <td>${p.isr.join(',')}</td>
            ${num(p.earliest)}${num(p.latest)}${num(p.latest - p.earliest)}
            <td class="num">${bytes(p.bytes)}</td>
          </tr>`,
      ),
      [4, 5, 6, 7],
    )}
    <h2>Consumer groups reading it</h2>
    ${
      readers.length === 0
        ? html`<p class="muted">None.</p>`
        : table(
            ['group', 'state', 'members', 'lag on this topic'],
            readers.map(
              (g) =>
                html`<tr>
                  <td><a href="/groups/${encodeURIComponent(g.id)}">${g.id}</a></td>
                  <td>${g.state}</td>
                  ${num(g.members.length)}${num(
                    g.partitions.filter((p) => p.topic === name).reduce((s, p) => s + (p.lag ?? 0), 0),
                  )}
                </tr>`,
            ),
            [2, 3],
          )
    }`
  return { title: `Topic ${name}`, nav: 'overview', body, live: true }
}
