// The plan of an offset reset, shown before it is applied.
import type { ResetPlan } from '../../admin/reset-offsets.ts'
import { html } from '../html.ts'
import { table, type Page } from './layout.ts'

export function resetPlanPage(plan: ResetPlan, form: Record<string, string>): Page {
  const hiddenFields = ['topic', 'to', 'value'].map(
    (k) => html`<input type="hidden" name="${k}" value="${form[k] ?? ''}" />`,
  )
  const body = html`<p>
      Group <b>${plan.group}</b> (${plan.state}, ${plan.members} member(s)) on <b>${plan.topic}</b>, to
      ${plan.target.to}:
    </p>
    ${table(
      ['partition', 'committed now', 'after the reset', ''],
      plan.rows.map(
        (r) =>
          html`<tr>
            <td>${r.partition}</td>
            <td class="num">${r.from?.toString() ?? '-'}</td>
            <td class="num">${r.to.toString()}</td>
            <td>${r.clamped ? 'moved into the range held' : ''}</td>
          </tr>`,
      ),
    )}
    ${
      plan.members > 0
        ? html`<p class="error">The group has members: stop them first, or their next commit overwrites the reset.</p>`
        : html`<form
            method="post"
            action="/groups/${encodeURIComponent(plan.group)}/reset/apply"
            data-confirm="Move ${plan.group}'s offsets?"
          >
            ${hiddenFields}<button class="danger" type="submit">Apply the reset</button>
          </form>`
    }`
  return { title: `Reset offsets of ${plan.group}`, nav: 'groups', body }
}
