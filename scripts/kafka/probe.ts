// Asks a cluster for metadata with a deadline: the one test of "is Kafka there".
import { Admin } from '@platformatic/kafka'

export interface ProbeResult {
  ok: boolean
  brokers: number
  error?: string
}

export async function probe(bootstrap: string, timeoutMs = 3000): Promise<ProbeResult> {
  const admin = new Admin({
    clientId: 'kafkit-probe',
    bootstrapBrokers: bootstrap.split(',').map((s) => s.trim()),
    retries: 0,
    connectTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    timeout: timeoutMs,
  })
  try {
    const metadata = await withDeadline(admin.metadata({ topics: [] }), timeoutMs + 500)
    return { ok: true, brokers: metadata.brokers.size }
  } catch (err) {
    return { ok: false, brokers: 0, error: describe(err) }
  } finally {
    await admin.close().catch(() => undefined)
  }
}

/** Polls until the cluster answers with at least `brokers` live brokers, or the deadline passes. */
export async function waitForCluster(
  bootstrap: string,
  brokers: number,
  deadlineMs: number,
  isAlive: () => boolean = () => true,
): Promise<ProbeResult> {
  const until = Date.now() + deadlineMs
  let last: ProbeResult = { ok: false, brokers: 0, error: 'not probed yet' }
  while (Date.now() < until) {
    if (!isAlive()) return { ok: false, brokers: 0, error: 'the broker process exited' }
    last = await probe(bootstrap, 2000)
    if (last.ok && last.brokers >= brokers) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return { ...last, ok: false, error: last.error ?? `only ${last.brokers} of ${brokers} brokers answered` }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0])
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    const code = (err as Error & { code?: string }).code
    const base = code && !err.message.includes(code) ? `${err.message} (${code})` : err.message
    return cause ? `${base}: ${describe(cause)}` : base
  }
  return String(err)
}
