// Deadlines for the relay's database work: a statement, a connection, that does not answer in time
// fails with a retryable KafkitError instead of holding the relay forever.
import type { Session } from '../database/types.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'

/** A session whose statements fail after `timeoutMs`: a connection that hangs is treated as lost. */
export function boundedSession(session: Session, timeoutMs: number): Session {
  return {
    query: (text, params) =>
      bounded(session.query(text, params), timeoutMs, 'a database statement').catch((error: unknown) => {
        if (KafkitError.is(error) && error.cause === undefined) Object.assign(error.details, { sessionLost: true })
        throw error
      }),
    listen: (channel, onNotify) => session.listen(channel, onNotify),
    close: () => session.close(),
  }
}

export async function bounded<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KafkitError(ErrorCodes.DATABASE_FAILED, `${what}: not done within ${timeoutMs} ms`, { retryable: true }),
        ),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
