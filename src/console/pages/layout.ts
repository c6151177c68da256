// The frame every page shares (navigation, what the console is connected to, read-only or not)
// and the small pieces pages are made of: tables, badges, charts.
export { bytes } from '../../cli/format.ts'
import { html, raw, type Html } from '../html.ts'
import type { Point } from '../sampler.ts'

export interface PageContext {
  /** Brokers and security as shown (never a secret). */
  connection: string
  clusterId: string | undefined
  allowWrites: boolean
  sampledAt: number | undefined
  samplingError: string | undefined
  refreshMs: number
}

export interface Page {
  title: string
  nav: 'overview' | 'groups' | 'dlq' | 'catalog' | 'tail'
  /** Static part (filters, forms). */
  head?: Html
  /** Re-rendered in place every refresh, when `live` is set. */
  body: Html
  live?: boolean
  /** Static part after the live region (forms that must not be re-rendered while typed in). */
  foot?: Html
}

const NAV = [
  ['overview', '/', 'Overview'],
  ['groups', '/groups', 'Consumer groups'],
  ['dlq', '/dlq', 'DLQ'],
  ['catalog', '/catalog', 'Catalog'],
  ['tail', '/tail', 'Tail'],
] as const

export function layout(ctx: PageContext, page: Page): string {
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title} · kafkit console</title>
        <link rel="stylesheet" href="/assets/console.css" />
        <script src="/assets/console.js" defer></script>
      </head>
      <body>
        <header>
          <span class="brand">kafkit console</span>
          <nav>
            ${NAV.map(([id, href, label]) => html`<a href="${href}" class="${id === page.nav ? 'on' : ''}">${label}</a>`)}
          </nav>
          <span class="meta"
            >${ctx.connection}${ctx.clusterId ? ` · cluster ${ctx.clusterId}` : ''} ·
            <span data-testid="mode">${ctx.allowWrites ? 'writes allowed' : 'read-only'}</span></span
          >
        </header>
        <main>
          <h1>${page.title}</h1>
          ${ctx.samplingError ? html`<div class="error">The last refresh failed: ${ctx.samplingError}. Showing the data of ${ctx.sampledAt ? new Date(ctx.sampledAt).toISOString() : 'never'}.</div>` : ''}
          ${page.head ?? ''}
          <div id="live" ${page.live ? raw(` data-refresh="${ctx.refreshMs}"`) : ''}>${page.body}</div>
          ${page.foot ?? ''}
        </main>
      </body>
    </html>`.text
  }`
}

export function table(headers: readonly string[], rows: readonly Html[], numeric: readonly number[] = []): Html {
  return html`<table>
    <thead>
      <tr>
        ${headers.map((h, i) => html`<th class="${numeric.includes(i) ? 'num' : ''}">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`
}

export function num(value: number | bigint | undefined): Html {
  return html`<td class="num">${value === undefined ? '-' : value.toLocaleString('en-US')}</td>`
}

export function badge(kind: string, text: string = kind): Html {
  return html`<span class="badge ${kind}">${text}</span>`
}

export function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.round(s / 60)}m ago`
  if (s < 86400) return `${Math.round(s / 3600)}h ago`
  return `${Math.round(s / 86400)}d ago`
}

/** A line chart of a series over the last minutes (lag of a group). */
export function lineChart(points: readonly Point[], { width = 640, height = 140, label = '' } = {}): Html {
  if (points.length === 0) return html`<p class="muted">No samples yet.</p>`
  const pad = { l: 48, r: 8, t: 10, b: 20 }
  const t0 = points[0]!.at
  const t1 = Math.max(points.at(-1)!.at, t0 + 1)
  const max = Math.max(1, ...points.map((p) => p.value))
  const x = (at: number) => pad.l + ((at - t0) / (t1 - t0)) * (width - pad.l - pad.r)
  const y = (v: number) => pad.t + (1 - v / max) * (height - pad.t - pad.b)
  const path = points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')
  const minutes = Math.max(1, Math.round((t1 - t0) / 60_000))
  return html`<svg
    class="chart"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="${label}"
    data-max="${max}"
    data-last="${points.at(-1)!.value}"
  >
    <line x1="${pad.l}" y1="${y(0)}" x2="${width - pad.r}" y2="${y(0)}" stroke="#dde1e8" />
    <line x1="${pad.l}" y1="${y(max)}" x2="${width - pad.r}" y2="${y(max)}" stroke="#eef1f6" />
    <text x="4" y="${y(max) + 4}">${max.toLocaleString('en-US')}</text>
    <text x="4" y="${y(0)}">0</text>
    <text x="${pad.l}" y="${height - 4}">${minutes <= 1 ? 'last minute' : `last ${minutes} min`}</text>
    <text x="${width - pad.r - 24}" y="${height - 4}">now</text>
    <polyline fill="none" stroke="#2456c8" stroke-width="2" points="${path}" />
  </svg>`
}

/** A tiny chart for table rows. */
export function sparkline(points: readonly Point[], width = 120, height = 24): Html {
  if (points.length < 2) return html``
  const t0 = points[0]!.at
  const t1 = Math.max(points.at(-1)!.at, t0 + 1)
  const max = Math.max(1, ...points.map((p) => p.value))
  const path = points
    .map(
      (p) =>
        `${(((p.at - t0) / (t1 - t0)) * width).toFixed(1)},${(height - 2 - (p.value / max) * (height - 4)).toFixed(1)}`,
    )
    .join(' ')
  return html`<svg width="${width}" height="${height}">
    <polyline fill="none" stroke="#2456c8" stroke-width="1.5" points="${path}" />
  </svg>`
}

/** Bars of counts per hour. */
export function barChart(bars: readonly [number, number][], { width = 640, height = 110 } = {}): Html {
  if (bars.length === 0) return html``
  const max = Math.max(...bars.map((b) => b[1]))
  const w = Math.min(24, Math.max(2, Math.floor((width - 50) / bars.length) - 1))
  return html`<svg class="chart" width="${width}" height="${height}" role="img" aria-label="failures per hour">
    ${bars.map(([at, n], i) => {
      const h = Math.max(1, (n / max) * (height - 30))
      return html`<rect x="${45 + i * (w + 1)}" y="${height - 18 - h}" width="${w}" height="${h}" fill="#b42318"
        ><title>${new Date(at).toISOString().slice(0, 13)}:00Z: ${n}</title></rect
      >`
    })}
    <text x="4" y="12">${max.toLocaleString('en-US')}</text>
    <text x="45" y="${height - 4}">${new Date(bars[0]![0]).toISOString().slice(0, 13)}:00Z</text>
    <text x="${width - 110}" y="${height - 4}">${new Date(bars.at(-1)![0]).toISOString().slice(0, 13)}:00Z</text>
  </svg>`
}
