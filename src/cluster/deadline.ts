// Bounds in time for work that does not bound itself (the wire client's calls wait as long as their
// retries and request timeouts allow).

/** Resolves or rejects like `work`, or rejects with `late()` once the epoch-ms `until` has passed. */
export async function before<T>(until: number, work: Promise<T>, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, until - Date.now()))
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** True if `work` settled within `ms` (it goes on in the background otherwise). */
export async function settlesWithin(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}
