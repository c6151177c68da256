// Consumer groups: state, members, lag (live, with a chart of the last minutes), kafkit groups and
// the health their services report; one group's members, assignments, lag per partition and the
// offset reset form.
import type { GroupState } from '../../admin/groups.ts'
import { html } from '../html.ts'
import type { ConsoleModel } from '../model.ts'
import { badge, lineChart, num, sparkline, table, type Page } from './layout.ts'

function healthBadge(model: ConsoleModel, group: GroupState) {
  const health = model.healthOf(group.id)
  if (!health) return html``
  const title = `${health.service.service ?? health.service.url}${health.reasons.length ? `: ${health.reasons.join('; ')}` : ''}`
  return html`<span class="badge ${health.status}" title="${title}">${health.status}</span>`
}

export function groupsPage(model: ConsoleModel): Page {
  const sample = model.sample
  if (!sample)
    return {
      title: 'Consumer groups',
      nav: 'groups',
      body: html`<p class="muted">Reading the cluster…</p>`,
      live: true,
    }
  const groups = [...sample.groups].sort((a, b) => a.id.localeCompare(b.id))
  const body = html`${table(
    ['group', 'state', 'members', 'topics', 'lag', 'lag, last minutes'],
    groups.map(
      (g) =>
        html`<tr data-group="${g.id}">
          <td>
            <a href="/groups/${encodeURIComponent(g.id)}">${g.id}</a
            >${model.isKafkitGroup(g) ? badge('kafkit') : ''}${healthBadge(model, g)}
          </td>
          <td>${g.state}</td>
          ${num(g.members.length)}
          <td>${g.topics.join(', ') || '-'}</td>
          <td class="num" data-testid="lag">${g.lag.toLocaleString('en-US')}</td>
          <td>${sparkline(model.sampler.lagHistory(g.id))}</td>
        </tr>`,
    ),
    [2, 4],
  )}
  ${groups.length === 0 ? html`<p class="muted">No consumer group.</p>` : ''}
  ${sample.health.length > 0 ? servicesTable(model) : ''}`
  return { title: 'Consumer groups', nav: 'groups', body, live: true }
}

function servicesTable(model: ConsoleModel) {
  return html`<h2>Services</h2>
    ${table(
      ['endpoint', 'service', 'status', 'groups'],
      (model.sample?.health ?? []).map(
        (s) =>
          html`<tr>
            <td>${s.url}</td>
            <td>${s.service ?? '-'}</td>
            <td class="${s.status}">${s.status}${s.error ? html` <span class="muted">(${s.error})</span>` : ''}</td>
            <td>${s.groups.map((g) => `${g.group} (${g.status})`).join(', ')}</td>
          </tr>`,
      ),
    )}`
}

export function groupPage(model: ConsoleModel, id: string, allowWrites: boolean): Page {
  const group = model.sample?.groups.find((g) => g.id === id)
  if (!group) {
    return {
      title: `Group ${id}`,
      nav: 'groups',
      body: html`<p class="error">No consumer group ${id} in the last sample.</p>`,
      live: true,
    }
  }
  const health = model.healthOf(id)
  const body = html`<p>
      State <b data-testid="state">${group.state}</b>, ${group.members.length}
      member(s)${group.protocol ? `, assignor ${group.protocol}` : ''}. Total lag
      <b data-testid="total-lag">${group.lag.toLocaleString('en-US')}</b>.
      ${model.isKafkitGroup(group) ? badge('kafkit', 'kafkit group') : ''}
      ${health ? html`Health reported by ${health.service.service ?? health.service.url}: <b class="${health.status}">${health.status}</b> ${health.reasons.join('; ')}` : ''}
    </p>
    <h2>Lag</h2>
    ${lineChart(model.sampler.lagHistory(id), { label: `lag of ${id}` })}
    <h2>Members</h2>
    ${
      group.members.length === 0
        ? html`<p class="muted">No member is running.</p>`
        : table(
            ['client id', 'host', 'assigned'],
            group.members.map(
              (m) =>
                html`<tr>
                  <td>${m.clientId}</td>
                  <td>${m.host}</td>
                  <td>${m.assignments.map((a) => `${a.topic} [${a.partitions.join(', ')}]`).join('; ')}</td>
                </tr>`,
            ),
          )
    }
    <h2>Partitions</h2>
    ${table(
      ['topic', 'partition', 'committed', 'end', 'lag', 'owner'],
      group.partitions.map(
        (p) =>
          html`<tr>
            <td>${p.topic}</td>
            <td>${p.partition}</td>
            ${num(p.committed)}${num(p.end)}${num(p.lag)}
            <td>${p.owner ?? '-'}</td>
          </tr>`,
      ),
      [2, 3, 4],
    )}`
  const topics = group.topics
  const reset = allowWrites
    ? html`<h2>Reset offsets</h2>
        <form class="filters" method="post" action="/groups/${encodeURIComponent(id)}/reset">
          <label
            >topic
            <select name="topic">
              ${topics.map((t) => html`<option>${t}</option>`)}
            </select></label
          >
          <label
            >to
            <select name="to">
              <option value="earliest">earliest</option>
              <option value="latest">latest</option>
              <option value="time">time</option>
              <option value="offset">offset</option>
            </select></label
          >
          <label>time (ISO 8601) or offset <input name="value" placeholder="2026-01-31T12:00:00Z" /></label>
          <button type="submit">Plan the reset</button>
        </form>
        <p class="muted">The plan is shown first; the group must have no members when it is applied.</p>`
    : html`<p class="muted">Offset resets need the console started with <code>--allow-writes</code>.</p>`
  return { title: `Group ${id}`, nav: 'groups', body, live: true, foot: reset }
}
