// Tail: live records of a topic decoded through the envelope codecs, filtered by type, key and
// correlation id; and one correlation id's path across the topics.
import type { ShownRecord } from '../../cli/records.ts'
import { html, query, type Html } from '../html.ts'
import type { ConsoleModel } from '../model.ts'
import { table, type Page } from './layout.ts'

export interface TailParams {
  topic?: string
  type?: string
  key?: string
  correlation?: string
}

export function recordRow(record: ShownRecord): Html {
  const e = record.envelope
  const payload = e ? JSON.stringify(e.payload) : ''
  return html`<tr data-type="${e?.type ?? ''}">
    <td>${record.timestamp.toISOString().slice(11, 23)}</td>
    <td>${record.topic}</td>
    <td>${record.partition}/${record.offset}</td>
    <td>${e ? `${e.type}@${e.version}` : html`<span class="bad">not an event</span>`}</td>
    <td>${record.key ?? '-'}</td>
    <td>${e ? html`<a href="/trace${query({ correlation: e.correlation_id })}">${e.correlation_id}</a>` : '-'}</td>
    <td>${e?.source ?? '-'}</td>
    <td>${e ? (payload.length > 160 ? `${payload.slice(0, 160)}…` : payload) : record.problem}</td>
  </tr>`
}

const HEADERS = ['time (UTC)', 'topic', 'where', 'type', 'key', 'correlation id', 'source', 'payload']

export function tailPage(model: ConsoleModel, params: TailParams): Page {
  const topics = (model.sample?.cluster.topics ?? []).filter((t) => !t.internal).map((t) => t.name)
  const head = html`<form class="filters" method="get" action="/tail">
      <label
        >topic
        <select name="topic">
          ${topics.map((t) => html`<option${t === params.topic ? html` selected` : ''}>${t}</option>`)}
        </select></label
      >
      <label>type or pattern <input name="type" value="${params.type ?? ''}" placeholder="order.*" /></label>
      <label>key <input name="key" value="${params.key ?? ''}" /></label>
      <label>correlation id <input name="correlation" value="${params.correlation ?? ''}" /></label>
      <button type="submit">Tail</button>
    </form>
    <form class="filters" method="get" action="/trace">
      <label>follow one correlation id across topics <input name="correlation" placeholder="demo-1e79-1" /></label
      ><button type="submit">Show its path</button>
    </form>`
  if (!params.topic) return { title: 'Tail', nav: 'tail', head, body: html`<p class="muted">Pick a topic.</p>` }
  const stream = `/api/tail${query({ ...params })}`
  const body = html`<p>
      Following <b>${params.topic}</b> (the last records, then new ones as they arrive):
      <span id="stream-status" class="muted">connecting…</span>
    </p>
    <table>
      <thead>
        <tr>
          ${HEADERS.map((h) => html`<th>${h}</th>`)}
        </tr>
      </thead>
      <tbody data-stream="${stream}" data-testid="tail-rows"></tbody>
    </table>`
  return { title: `Tail ${params.topic}`, nav: 'tail', head, body }
}

export function tracePage(
  correlation: string,
  result: { records: ShownRecord[]; partial: boolean } | undefined,
  since: number,
): Page {
  const body = result
    ? html`<p>
          ${result.records.length} event(s) with correlation id <b>${correlation}</b> since
          ${new Date(since).toISOString()}${result.partial ? ' (partial: the search ran out of time)' : ''}, oldest
          first.
        </p>
        ${table(HEADERS, result.records.map(recordRow))}`
    : html`<p class="muted">Give a correlation id.</p>`
  return { title: `Path of ${correlation || '…'}`, nav: 'tail', body }
}
