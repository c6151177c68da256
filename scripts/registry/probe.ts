// "Is the registry there": a request to its Confluent-compatible API, with a deadline.

export interface RegistryProbe {
  ok: boolean
  /** The HTTP status, when the registry answered at all. */
  status?: number
  error?: string
}

export interface ProbeAuth {
  username: string
  password: string
}

/** Lists the schema types the registry serves: every Confluent-compatible registry answers it. */
export async function probeRegistry(url: string, auth?: ProbeAuth, timeoutMs = 3000): Promise<RegistryProbe> {
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' }
  if (auth) headers['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/schemas/types`, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    })
    await response.body?.cancel()
    if (response.ok) return { ok: true, status: response.status }
    return { ok: false, status: response.status, error: `HTTP ${response.status} ${response.statusText}` }
  } catch (err) {
    return { ok: false, error: describe(err) }
  }
}

/** Polls until the registry answers, the process dies or the deadline passes. */
export async function waitForRegistry(
  url: string,
  deadlineMs: number,
  isAlive: () => boolean = () => true,
): Promise<RegistryProbe> {
  const until = Date.now() + deadlineMs
  let last: RegistryProbe = { ok: false, error: 'not probed yet' }
  while (Date.now() < until) {
    if (!isAlive()) return { ok: false, error: 'the registry process exited' }
    last = await probeRegistry(url, undefined, 2000)
    if (last.ok) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return { ...last, ok: false }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    return cause ? `${err.message}: ${describe(cause)}` : err.message
  }
  return String(err)
}
