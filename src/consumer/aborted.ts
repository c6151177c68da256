// read_committed, the client's half. The broker stops a read_committed fetch at the last stable
// offset and lists, per partition, the aborted transactions in the range (producer id, first
// offset); dropping their records is the client's job. The wire client (@platformatic/kafka 2.12.1)
// drops a producer's records only between the last aborted transaction it lists for that producer
// and an ABORT marker in the same response: earlier aborted transactions of the producer, and one
// whose marker comes in a later fetch, are delivered. This applies the Java client's rule to each
// fetch response before the stream reads it. See docs/internals.md ("Wire-client workarounds").
import { FetchIsolationLevels, type Consumer } from '@platformatic/kafka'

type WireConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>
type FetchOptions = Parameters<WireConsumer['fetch']>[0]
/** What `consumer.fetch` answers (the last overload is the promise form). */
export type FetchResponse = Awaited<ReturnType<WireConsumer['fetch']>>
type FetchCallback = (error: Error | null | undefined, response?: FetchResponse) => void

/** Record batch attributes (Kafka's record batch format, v2). */
const IS_TRANSACTIONAL = 1 << 4
const IS_CONTROL = 1 << 5
/** A control record's key: version (int16), then type (int16): 0 is ABORT, 1 COMMIT. */
const ABORT = 0

type Partition = FetchResponse['responses'][number]['partitions'][number]
type Batch = NonNullable<Partition['records']>[number]

/**
 * Empties the batches of aborted transactions in a read_committed fetch response, in place, and
 * returns how many it emptied. The batches stay: the stream moves its fetch position past the last
 * one of each partition, so the aborted records are stepped over, not fetched again.
 */
export function dropAbortedRecords(response: FetchResponse): number {
  let dropped = 0
  for (const topic of response.responses)
    for (const partition of topic.partitions) dropped += dropInPartition(partition)
  return dropped
}

/**
 * The Java client's rule (CompletedFetch): walking the batches in offset order, a producer is
 * aborting from the first offset of one of its aborted transactions until its ABORT marker; its
 * transactional batches meanwhile are dropped. Each response lists every aborted transaction that
 * overlaps its range, so no state is carried from one response to the next.
 */
function dropInPartition(partition: Partition): number {
  const batches = partition.records
  if (!batches || batches.length === 0 || !partition.abortedTransactions?.length) return 0
  const pending = [...partition.abortedTransactions].sort((a, b) => compare(a.firstOffset, b.firstOffset))
  const aborting = new Set<bigint>()
  let next = 0
  let dropped = 0
  for (const batch of batches) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
    while (next < pending.length && pending[next]!.firstOffset <= last) aborting.add(pending[next++]!.producerId)
    if ((batch.attributes & IS_CONTROL) !== 0) {
      if (isAbortMarker(batch)) aborting.delete(batch.producerId)
      continue
    }
    if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && aborting.has(batch.producerId) && batch.records.length > 0) {
      batch.records = []
      dropped++
    }
  }
  return dropped
}

/** Set in the metadata of the record `markSkippedEnds` adds (the wire client copies a record's metadata to its message). */
export const SKIP = Symbol('kafkit.skip')

/**
 * Where a partition's part of a fetch response ends with offsets that deliver nothing (transaction
 * markers, emptied aborted batches), adds a batch of one stand-in record at the last such offset,
 * its metadata carrying SKIP; the member delivers it as a skip (FetchedRecord.skip), so that the
 * commit moves past them as a Java consumer's position does. The stream's next fetch position is
 * unchanged (the stand-in's batch ends where the last batch did). Returns how many it added.
 */
export function markSkippedEnds(response: FetchResponse): number {
  let added = 0
  for (const topic of response.responses)
    for (const partition of topic.partitions) {
      const last = partition.records?.at(-1)
      if (!last || ((last.attributes & IS_CONTROL) === 0 && last.records.length > 0)) continue
      const record = {
        length: 0,
        attributes: 0,
        timestampDelta: 0n,
        offsetDelta: last.lastOffsetDelta,
        key: null,
        value: null,
        headers: [],
        metadata: { [SKIP]: true },
      }
      partition.records!.push({ ...last, attributes: 0, records: [record] })
      added++
    }
  return added
}

function isAbortMarker(batch: Batch): boolean {
  const key = batch.records[0]?.key
  return key !== undefined && key !== null && key.length >= 4 && key.readInt16BE(2) === ABORT
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Makes a read_committed wire consumer drop aborted records from every fetch response, before its
 * MessagesStream (which fetches through `consumer.fetch`) reads them; with `markEnds`, it marks
 * where a response ends with offsets that deliver nothing (markSkippedEnds; read_uncommitted too). `onResponse` is told of each
 * response filtered, so that a wire client that stopped fetching that way is noticed.
 */
export function filterAbortedFetches(
  wire: WireConsumer,
  onResponse: (dropped: number) => void = () => undefined,
  markEnds = false,
): void {
  const fetch = wire.fetch.bind(wire) as (options: FetchOptions, callback: FetchCallback) => void
  const filtered = (options: FetchOptions, callback?: FetchCallback): Promise<FetchResponse> | undefined => {
    const level = options.isolationLevel ?? FetchIsolationLevels.READ_COMMITTED
    const filter = (response: FetchResponse | undefined) => {
      if (!response) return
      if (level === FetchIsolationLevels.READ_COMMITTED) onResponse(dropAbortedRecords(response))
      if (markEnds) markSkippedEnds(response)
    }
    if (callback) {
      fetch(options, (error, response) => {
        if (!error) filter(response)
        callback(error, response)
      })
      return undefined
    }
    return new Promise((resolve, reject) =>
      fetch(options, (error, response) => {
        if (error) return reject(error)
        filter(response)
        resolve(response!)
      }),
    )
  }
  Object.defineProperty(wire, 'fetch', { configurable: true, writable: true, value: filtered })
}
