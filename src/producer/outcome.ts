// What one wire send did, partition by partition. A send that spans partitions is not atomic: the
// broker may write some partitions and reject others, and the wire client then fails the whole
// call. Reading the per-partition responses keeps written records from being reported as failed.
import type { ProduceResult } from '@platformatic/kafka'

export interface SendOutcome {
  /** Base offset of each written partition batch, by topic then partition. */
  written: Map<string, Map<number, bigint>>
  /** The broker's error for each rejected partition batch. */
  rejected: Map<string, Map<number, Error>>
}

interface PartitionResponse {
  index: number
  errorCode: number
  baseOffset: bigint
}
interface ProduceResponse {
  responses?: { name: string; partitionResponses?: PartitionResponse[] }[]
}

export function outcomeOf(result: ProduceResult | undefined, error: unknown): SendOutcome {
  const outcome: SendOutcome = { written: new Map(), rejected: new Map() }
  const produced = result ?? (error as { produced?: ProduceResult } | undefined)?.produced
  for (const { topic, partition, offset } of produced?.offsets ?? []) put(outcome.written, topic, partition, offset)
  if (error !== undefined) for (const responseError of responseErrors(error)) addResponse(outcome, responseError)
  return outcome
}

function addResponse(outcome: SendOutcome, error: AggregateError & { response: ProduceResponse }): void {
  const byPath = new Map<string, Error>()
  for (const e of error.errors as (Error & { path?: string })[]) if (e.path) byPath.set(e.path, e)
  error.response.responses?.forEach((topic, i) => {
    topic.partitionResponses?.forEach((p, j) => {
      if (p.errorCode === 0) put(outcome.written, topic.name, p.index, p.baseOffset)
      else put(outcome.rejected, topic.name, p.index, byPath.get(`/responses/${i}/partition_responses/${j}`) ?? error)
    })
  })
}

/** Every produce ResponseError in an error tree (retries wrap errors in MultipleErrors). */
function responseErrors(error: unknown, depth = 0): (AggregateError & { response: ProduceResponse })[] {
  if (depth > 6 || typeof error !== 'object' || error === null) return []
  const found: (AggregateError & { response: ProduceResponse })[] = []
  const response = (error as { response?: ProduceResponse }).response
  if (error instanceof AggregateError && Array.isArray(response?.responses)) {
    found.push(error as AggregateError & { response: ProduceResponse })
  }
  if (error instanceof AggregateError) {
    for (const nested of error.errors) found.push(...responseErrors(nested, depth + 1))
  }
  const cause = (error as { cause?: unknown }).cause
  if (cause !== undefined) found.push(...responseErrors(cause, depth + 1))
  return found
}

function put<T>(map: Map<string, Map<number, T>>, topic: string, partition: number, value: T): void {
  let partitions = map.get(topic)
  if (!partitions) map.set(topic, (partitions = new Map<number, T>()))
  partitions.set(partition, value)
}
