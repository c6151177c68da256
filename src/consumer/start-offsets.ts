// Where a new group starts with autoOffsetReset "now": the end offset of every partition of its
// topics as start() began. Taken before the group is joined, so that a record produced once start()
// was called is never skipped (with "latest" the end is read when the partition is assigned, and
// what was produced meanwhile is lost).
import { Admin } from '@platformatic/kafka'
import { metadataOfExisting, offsetsAt } from '../admin/cluster.ts'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError, errorMessage } from '../errors.ts'
import { tpKey } from './member.ts'

const LATEST = -1n

/** End offsets by tpKey; fails with KAFKIT_BROKER_UNAVAILABLE after `timeoutMs`. */
export async function endOffsets(
  client: ClientOptions,
  topics: readonly string[],
  timeoutMs: number,
): Promise<Map<string, bigint>> {
  const admin = new Admin({ ...wireConnectionOptions(client, 'kafkit-consumer-start'), retries: 2 })
  let timer: NodeJS.Timeout | undefined
  try {
    const work = (async () => {
      const metadata = await metadataOfExisting(admin, topics)
      return offsetsAt(admin, metadata.topics, topics, LATEST)
    })()
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KafkitError(
              ErrorCodes.BROKER_UNAVAILABLE,
              `the end offsets of ${topics.join(', ')} did not come within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      )
    })
    const byName = await Promise.race([work, timeout]).catch((error: unknown) => {
      throw KafkitError.is(error)
        ? error
        : new KafkitError(ErrorCodes.BROKER_UNAVAILABLE, `could not read the end offsets: ${errorMessage(error)}`, {
            cause: error,
          })
    })
    const out = new Map<string, bigint>()
    for (const [name, offset] of byName) {
      const slash = name.lastIndexOf('/')
      out.set(tpKey(name.slice(0, slash), Number(name.slice(slash + 1))), offset)
    }
    return out
  } finally {
    clearTimeout(timer)
    await admin.close().catch(() => undefined)
  }
}
