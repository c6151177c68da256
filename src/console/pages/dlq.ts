// DLQ: every DLQ topic with its failures; one DLQ with counts by error code, type, group and hour,
// filters, the newest failures, and the replay form; one failure in full; a replay's progress.
import type { DlqFilter } from '../dlq-index.ts'
import type { Failure } from '../dead-letters.ts'
import { html, query, type Html } from '../html.ts'
import type { ReplayJob } from '../jobs.ts'
import type { ConsoleModel } from '../model.ts'
import { ago, barChart, num, table, type Page } from './layout.ts'

export interface DlqParams {
  group?: string
  type?: string
  code?: string
  event?: string
  since?: string
  until?: string
  partition?: string
  page?: string
}

const PAGE_SIZE = 100

export function dlqListPage(model: ConsoleModel): Page {
  const topics = (model.sample?.cluster.topics ?? []).filter((t) => model.isDlq(t.name))
  const body =
    topics.length === 0
      ? html`<p class="muted">
          No DLQ topic: kafkit names them <code>{topic}.dlq</code> by default (or as the catalog says).
        </p>`
      : table(
          ['DLQ topic', 'failures', 'partitions', 'newest failure', 'top error code'],
          topics.map((t) => {
            const index = model.dlqs.get(t.name)
            const facets = index?.facets({})
            const newest = index?.query({}, { limit: 1 })[0]
            return html`<tr data-dlq="${t.name}">
              <td><a href="/dlq/${encodeURIComponent(t.name)}">${t.name}</a></td>
              ${num(index?.size ?? Number(t.records))}${num(t.partitions.length)}
              <td>${newest ? ago(newest.at) : '-'}</td>
              <td>${facets?.byCode[0]?.[0] ?? '-'}</td>
            </tr>`
          }),
          [1, 2],
        )
  return { title: 'Dead-letter queues', nav: 'dlq', body, live: true }
}

export function filterFrom(params: DlqParams): DlqFilter {
  const time = (v: string | undefined) => (v ? Date.parse(v) : undefined)
  return {
    group: params.group || undefined,
    type: params.type || undefined,
    code: params.code || undefined,
    eventId: params.event || undefined,
    since: time(params.since),
    until: time(params.until),
    partition: params.partition ? Number(params.partition) : undefined,
  }
}

function facetList(title: string, entries: [string, number][], link: (value: string) => string): Html {
  return html`<div>
    <h2>${title}</h2>
    <ul>
      ${entries
        .slice(0, 50)
        .map(
          ([value, n]) => html`<li><a href="${link(value)}">${value}</a><span>${n.toLocaleString('en-US')}</span></li>`,
        )}
    </ul>
  </div>`
}

export function dlqTopicPage(model: ConsoleModel, topic: string, params: DlqParams, allowWrites: boolean): Page {
  const index = model.dlqs.get(topic)
  const filter = filterFrom(params)
  const keep = { ...params, page: undefined }
  const head = html`<form class="filters" method="get">
    <label>group <input name="group" value="${params.group ?? ''}" /></label>
    <label>event type or pattern <input name="type" value="${params.type ?? ''}" placeholder="order.*" /></label>
    <label>error code <input name="code" value="${params.code ?? ''}" /></label>
    <label>event id <input name="event" value="${params.event ?? ''}" /></label>
    <label>since (ISO) <input name="since" value="${params.since ?? ''}" /></label>
    <label>until (ISO) <input name="until" value="${params.until ?? ''}" /></label>
    <label>partition <input name="partition" value="${params.partition ?? ''}" size="4" /></label>
    <button type="submit">Filter</button> <a href="/dlq/${encodeURIComponent(topic)}">clear</a>
  </form>`
  if (!index)
    return { title: `DLQ ${topic}`, nav: 'dlq', head, body: html`<p class="muted">Reading ${topic}…</p>`, live: true }
  const facets = index.facets(filter)
  const page = Math.max(0, Number(params.page) || 0)
  const rows = index.query(filter, { limit: PAGE_SIZE, skip: page * PAGE_SIZE })
  const link = (extra: Partial<DlqParams>) => `/dlq/${encodeURIComponent(topic)}${query({ ...keep, ...extra })}`
  const body = html`<p>
      <b data-testid="matching">${facets.matching.toLocaleString('en-US')}</b> of
      ${facets.total.toLocaleString('en-US')} failures match${index.complete ? '' : ' (still reading the topic)'}.
    </p>
    <div class="facets">
      ${facetList('by error code', facets.byCode, (v) => link({ code: v }))}
      ${facetList('by event type', facets.byType, (v) => link({ type: v }))}
      ${facetList('by group', facets.byGroup, (v) => link({ group: v }))}
    </div>
    <h2>by hour</h2>
    ${barChart(facets.byHour)}
    <h2>Newest failures</h2>
    ${table(
      ['last failure', 'where', 'group', 'event type', 'error', 'attempts'],
      rows.map(
        (r) =>
          html`<tr data-offset="${r.offset}" data-event-id="${r.eventId ?? ''}">
            <td>${new Date(r.at).toISOString()}</td>
            <td>
              <a href="/dlq/${encodeURIComponent(topic)}/${r.partition}/${r.offset}">${r.partition}/${r.offset}</a>
            </td>
            <td>${r.group ?? '(producer)'}</td>
            <td>${r.type ?? '-'}</td>
            <td><b>${r.code}</b> ${r.message}</td>
            ${num(r.attempts)}
          </tr>`,
      ),
      [5],
    )}
    <p>
      ${page > 0 ? html`<a href="${link({ page: String(page - 1) })}">newer</a> ` : ''}${(page + 1) * PAGE_SIZE < facets.matching ? html`<a href="${link({ page: String(page + 1) })}">older</a>` : ''}
    </p>`
  return {
    title: `DLQ ${topic}`,
    nav: 'dlq',
    head,
    body,
    live: true,
    foot: replayForm(topic, params, allowWrites),
  }
}

function hidden(params: DlqParams): Html {
  return html`${(['group', 'type', 'code', 'event', 'since', 'until', 'partition'] as const).map((k) =>
    params[k] ? html`<input type="hidden" name="${k}" value="${params[k]}" />` : '',
  )}`
}

function replayForm(topic: string, params: DlqParams, allowWrites: boolean): Html {
  return html`<h2>Replay the failures that match the filter</h2>
    <form class="filters" method="post" action="/dlq/${encodeURIComponent(topic)}/replay" data-testid="replay-form">
      ${hidden(params)}
      <label
        >for
        <select name="target">
          <option value="failed">the group that failed each one</option>
          <option value="group">another group</option>
          <option value="all">every group</option>
        </select></label
      >
      <label>group (for "another group") <input name="to_group" /></label>
      <label>records per second <input name="rate" value="50" size="5" /></label>
      <button type="submit" name="mode" value="dry-run">Dry run</button>
    </form>
    <p class="muted">
      A dry run lists what would be replayed and checks that each target group exists and has read the topic.
      ${allowWrites ? 'The replay itself is offered after it.' : html`Replaying needs the console started with <code>--allow-writes</code>.`}
    </p>`
}

export function failurePage(model: ConsoleModel, failure: Failure, allowWrites: boolean): Page {
  const r = failure.record
  const where = `${failure.topic}/${failure.partition}/${failure.offset}`
  const envelope = decodeJson(failure.original.value)
  const body = html`${failure.problem ? html`<p class="error">${failure.problem}</p>` : ''}
    ${
      r
        ? html`<h2>Failure</h2>
            ${table(
              ['field', 'value'],
              [
                ['error code', r.error_code ?? '-'],
                ['error', `${r.error_type}: ${r.error_message}`],
                ['retryable', String(r.retryable)],
                ['attempts', String(r.attempt_count)],
                ['first failure', r.first_failure],
                ['last failure', r.last_failure],
                ['group', r.consumer_group ?? '(producer: the record never reached the topic)'],
                ['service', r.service],
                ['event', `${r.event_type ?? '?'} ${r.event_id ?? ''}`],
                [
                  'original',
                  `${r.original_topic} partition ${r.original_partition ?? '?'} offset ${r.original_offset ?? '?'} at ${r.original_timestamp ?? '?'}`,
                ],
              ].map(
                ([k, v]) =>
                  html`<tr>
                    <td>${k}</td>
                    <td data-field="${k}">${v}</td>
                  </tr>`,
              ),
            )}`
        : ''
    }
    <h2>Envelope</h2>
    ${envelope === undefined ? html`<p class="muted">The original value is not JSON (or was not kept): see the bytes.</p>` : html`<pre data-testid="envelope">${JSON.stringify(envelope, null, 2)}</pre>`}
    <h2>Original headers</h2>
    ${
      failure.original.headers.length === 0
        ? html`<p class="muted">(none)</p>`
        : table(
            ['name', 'value'],
            failure.original.headers.map(
              ([k, v]) =>
                html`<tr>
                  <td>${k}</td>
                  <td>${v}</td>
                </tr>`,
            ),
          )
    }
    <h2>Key</h2>
    <p class="hex">${failure.original.key ? failure.original.key.toString('utf8') : '(none)'}</p>
    <h2>Value bytes (${failure.original.value?.length ?? 0})</h2>
    <div class="hex" data-testid="hex">${hexdump(failure.original.value)}</div>`
  const foot = r
    ? html`<form method="post" action="/dlq/${encodeURIComponent(failure.topic)}/replay">
          <input type="hidden" name="partition" value="${failure.partition}" /><input
            type="hidden"
            name="offset"
            value="${failure.offset}"
          />
          <input type="hidden" name="target" value="failed" /><input type="hidden" name="rate" value="10" />
          <button type="submit" name="mode" value="dry-run">Replay this record (dry run first)</button>
        </form>
        ${allowWrites ? '' : html`<p class="muted">Replaying needs <code>--allow-writes</code>.</p>`}`
    : html``
  return { title: `Failure ${where}`, nav: 'dlq', body, foot }
}

function decodeJson(value: Buffer | undefined): unknown {
  if (!value) return undefined
  try {
    return JSON.parse(value.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

const HEX_LIMIT = 16 * 1024

export function hexdump(value: Buffer | undefined): string {
  if (!value) return '(no value)'
  const lines: string[] = []
  const shown = value.subarray(0, HEX_LIMIT)
  for (let i = 0; i < shown.length; i += 16) {
    const row = shown.subarray(i, i + 16)
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`)
  }
  if (value.length > HEX_LIMIT) lines.push(`… ${value.length - HEX_LIMIT} more bytes`)
  return lines.join('\n')
}

export function jobPage(job: ReplayJob, allowWrites: boolean): Page {
  const r = job.request
  const finished = job.state === 'done' || job.state === 'refused' || job.state === 'failed'
  const percent = job.planned > 0 ? Math.round((job.sent / job.planned) * 100) : 0
  const body = html`<p>
      ${r.dryRun ? 'Dry run' : 'Replay'} of <a href="/dlq/${encodeURIComponent(r.topic)}">${r.topic}</a>:
      <b data-testid="job-state">${job.state}</b
      >${job.error ? html`<div class="error" data-testid="job-error">${job.error}</div>` : ''}
    </p>
    <p>
      <span data-testid="planned">${job.planned}</span> record(s) ${r.dryRun ? 'would be replayed' : 'to replay'},
      ${job.skipped.length}
      skipped${
        r.dryRun ? '' : html`, <b data-testid="sent">${job.sent}</b> sent`
      }${r.rate ? `, at most ${r.rate}/s` : ''}.
    </p>
    ${r.dryRun ? '' : html`<div class="progress"><div style="width:${percent}%"></div></div>`}
    ${
      job.targets.length > 0
        ? html`<h2>Target groups</h2>
            ${table(
              ['group', 'topic', 'check', 'members now'],
              job.targets.map(
                (t) =>
                  html`<tr>
                    <td>${t.group}</td>
                    <td>${t.topic}</td>
                    <td class="${t.ok ? 'ok' : 'bad'}">${t.ok ? 'has read the topic' : t.problem}</td>
                    ${num(t.members)}
                  </tr>`,
              ),
              [3],
            )}`
        : ''
    }
    ${
      job.lines.length > 0
        ? html`<h2>Records</h2>
            <pre>${job.lines.join('\n')}</pre>`
        : ''
    }
    ${
      job.skipped.length > 0
        ? html`<h2>Skipped</h2>
            <pre>${job.skipped.slice(0, 200).join('\n')}</pre>`
        : ''
    }`
  return {
    title: r.dryRun ? 'Replay: dry run' : 'Replay',
    nav: 'dlq',
    body: html`${body}${sendForm(job, allowWrites)}`,
    live: !finished,
  }
}

function sendForm(job: ReplayJob, allowWrites: boolean): Html {
  if (!(job.request.dryRun && job.state === 'done' && job.planned > 0)) return html``
  if (!allowWrites)
    return html`<p class="notice">Replaying needs the console started with <code>--allow-writes</code>.</p>`
  return html`<form
    method="post"
    action="/jobs/${job.id}/run"
    data-confirm="Replay ${job.planned} record(s) to their target group?"
  >
    <button type="submit" class="danger" data-testid="replay-now">Replay ${job.planned} record(s)</button>
  </form>`
}
