// Who may use the console. On a loopback address without a token, anyone on this machine (as with
// any local dev server); bound to any other address, a token is required. A browser presents the
// token once (`?token=`), gets it back as an HttpOnly SameSite=Strict cookie holding only its hash,
// and the token leaves the URL at once (so it stays out of history, referrers and logs). Scripts
// send `Authorization: Bearer <token>`. Writes (POST) must also come from the console's own pages
// (Origin equal to Host), so another site open in the same browser cannot submit them.
import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

export const COOKIE = 'kafkit_console'

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1' || host === '[::1]'
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

export class Gate {
  readonly #token: Buffer | undefined

  constructor(token: string | undefined) {
    this.#token = token === undefined ? undefined : digest(token)
  }

  get required(): boolean {
    return this.#token !== undefined
  }

  /** The cookie value for a presented token, or undefined when it is wrong. */
  cookieFor(token: string): string | undefined {
    return this.#token && timingSafeEqual(digest(token), this.#token) ? this.#token.toString('hex') : undefined
  }

  allows(headers: { cookie?: string | undefined; authorization?: string | undefined }): boolean {
    if (!this.#token) return true
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1]
    if (bearer !== undefined) return timingSafeEqual(digest(bearer), this.#token)
    const cookie = cookieValue(headers.cookie, COOKIE)
    if (cookie === undefined || !/^[0-9a-f]{64}$/.test(cookie)) return false
    return timingSafeEqual(Buffer.from(cookie, 'hex'), this.#token)
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}

/** A write must come from a page of this console: its Origin names the host the request was sent to. */
export function sameOrigin(headers: { origin?: string | undefined; host?: string | undefined }): boolean {
  if (!headers.origin || !headers.host) return false
  try {
    return new URL(headers.origin).host === headers.host
  } catch {
    return false
  }
}
