// The broker's errors as the wire client raises them (@platformatic/kafka's ProtocolError and
// ResponseError), so that kafkit's own error handling reads them exactly as it reads a real broker's.
import { ProtocolError, ResponseError } from '@platformatic/kafka'

/** A Kafka protocol error name, e.g. 'NOT_LEADER_OR_FOLLOWER', 'MESSAGE_TOO_LARGE'. */
export type BrokerErrorName = string

export function protocolError(name: BrokerErrorName, message: string | null = null): ProtocolError {
  return new ProtocolError(name, message)
}

/** Kafka's numeric error codes of the errors the in-memory broker answers with. */
const CODES: Partial<Record<string, number>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  MESSAGE_TOO_LARGE: 10,
}

const PRODUCE_API = 0
const PRODUCE_VERSION = 9

/** A produce response in which some partitions were refused (the others were written). */
export function produceResponseError(
  partitions: { topic: string; partition: number; baseOffset: bigint; error?: BrokerErrorName }[],
): ResponseError {
  const byTopic = new Map<string, { index: number; errorCode: number; baseOffset: bigint }[]>()
  const errors: Record<string, [number, string | null]> = {}
  for (const p of partitions) {
    let list = byTopic.get(p.topic)
    if (!list) byTopic.set(p.topic, (list = []))
    const errorCode = p.error === undefined ? 0 : (CODES[p.error] ?? 2)
    list.push({ index: p.partition, errorCode, baseOffset: p.error === undefined ? p.baseOffset : -1n })
  }
  const responses = [...byTopic].map(([name, partitionResponses]) => ({ name, partitionResponses }))
  responses.forEach((topic, i) =>
    topic.partitionResponses.forEach((p, j) => {
      if (p.errorCode !== 0) errors[`/responses/${i}/partition_responses/${j}`] = [p.errorCode, null]
    }),
  )
  return new ResponseError(PRODUCE_API, PRODUCE_VERSION, errors, { responses })
}
