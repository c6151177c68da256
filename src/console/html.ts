// Server-rendered HTML: a tagged template that escapes every interpolated value unless it is
// already HTML (made by `html` itself or `raw`). Arrays are joined, undefined and false render nothing.
const SAFE = Symbol('html')

export interface Html {
  readonly [SAFE]: true
  readonly text: string
}

function safe(text: string): Html {
  return { [SAFE]: true, text }
}

export function raw(text: string): Html {
  return safe(text)
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  if (typeof value === 'object') return SAFE in value ? (value as Html).text : escapeHtml(JSON.stringify(value))
  if (typeof value === 'function' || typeof value === 'symbol') return ''
  return escapeHtml(`${value as string | number | bigint | boolean}`)
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!
  return safe(out)
}

/** A query string from the defined values (for links that keep the current filters). */
export function query(params: Record<string, string | number | bigint | undefined>): string {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v))
  const text = search.toString()
  return text ? `?${text}` : ''
}
