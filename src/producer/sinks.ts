// Where outcomes go: one shared sink object per kind, the per-record state in `record.handle`, so
// that the async path allocates no closure per record.
import { ErrorCodes, KafkitError, PublishError } from '../errors.ts'
import type { Sink } from './record.ts'
import type { PublishResult, RecordMetadata } from './types.ts'

type Outcome = PublishResult | RecordMetadata | undefined

/** A single `publish()`: the handle is the promise's resolvers. */
export const promiseSink: Sink = {
  settle(record, error, result) {
    const { resolve, reject } = record.handle as PromiseWithResolvers<Outcome>
    if (error) reject(error)
    else resolve(result)
  },
}

/** The shared state of one `publishBatch()` / `sendRecords()` call. */
export interface BatchState {
  results: (Outcome | KafkitError)[]
  remaining: number
  failed: number
  firstError: KafkitError | undefined
  resolvers: PromiseWithResolvers<Outcome[]>
}

export function newBatch(size: number): BatchState {
  return {
    results: new Array<Outcome | KafkitError>(size),
    remaining: size,
    failed: 0,
    firstError: undefined,
    resolvers: Promise.withResolvers<Outcome[]>(),
  }
}

/** Settles when every record of the batch has; fails if any failed, listing every outcome. */
export const batchSink: Sink = {
  settle(record, error, result) {
    const batch = record.handle as BatchState
    settleSlot(batch, record.slot, error, result)
  },
}

export function settleSlot(batch: BatchState, slot: number, error: KafkitError | null, result: Outcome): void {
  batch.results[slot] = error ?? result
  if (error) {
    batch.failed++
    batch.firstError ??= error
  }
  if (--batch.remaining > 0) return
  if (batch.firstError === undefined) batch.resolvers.resolve(batch.results as Outcome[])
  else batch.resolvers.reject(batchError(batch))
}

/** One error for a batch with failures; `details.results` has each item's result or error. */
function batchError(batch: BatchState): KafkitError {
  const first = batch.firstError!
  if (batch.results.length === 1) return first
  const code = first.code === ErrorCodes.PUBLISH_TIMEOUT ? first.code : ErrorCodes.PUBLISH_FAILED
  return new PublishError(
    code,
    `${batch.failed} of ${batch.results.length} records of the batch failed (details.results has each outcome); first: ${first.message}`,
    { cause: first, retryable: first.retryable, details: { failed: batch.failed, results: batch.results } },
  )
}

export function isKafkitError(value: unknown): value is KafkitError {
  return KafkitError.is(value)
}
