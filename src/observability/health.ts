// Health reports for readiness and liveness probes: plain objects, cheap to compute (no I/O: the lag
// they show is the last periodic measurement). `status` sums them up:
// - ok: working;
// - degraded: working, but something needs a look (stalled heartbeats, failing commits or deliveries,
//   lag above the given bound, a nearly full buffer);
// - down: not working now (stopped, not started, or reconnecting after a failure).
import { ErrorCodes } from '../errors.ts'

export type HealthStatus = 'ok' | 'degraded' | 'down'

export interface ProducerHealth {
  status: HealthStatus
  /** Why the status is not ok (empty when it is). */
  reasons: string[]
  closed: boolean
  /** Records accepted (any publish path) and not settled yet. */
  outstanding: number
  /** `publishAsync` records accepted and not settled, and their bound (`maxBufferedRecords`). */
  buffered: number
  maxBuffered: number
  /** When a record was last acknowledged. */
  lastDeliveryAt: Date | undefined
  /** The last failed publish: its error code and time. */
  lastFailure: { code: string; at: Date } | undefined
}

export interface ProducerFacts {
  closed: boolean
  outstanding: number
  asyncOutstanding: number
  maxBufferedRecords: number
  /** Epoch ms, 0 for never. */
  lastDelivery: number
  lastFailure: { code: string; at: number } | undefined
}

// Failures that say the cluster cannot be written to, as opposed to a bad event (invalid payload,
// too large), which is the caller's problem and says nothing about the producer.
const DELIVERY_FAILURES = new Set<string>([
  ErrorCodes.PUBLISH_TIMEOUT,
  ErrorCodes.PUBLISH_FAILED,
  ErrorCodes.BROKER_UNAVAILABLE,
  ErrorCodes.AUTH_FAILED,
])

export function producerHealth(facts: ProducerFacts): ProducerHealth {
  const reasons: string[] = []
  let status: HealthStatus = 'ok'
  if (facts.closed) {
    status = 'down'
    reasons.push('the producer is closed')
  } else {
    if (facts.asyncOutstanding >= facts.maxBufferedRecords * 0.8) {
      status = 'degraded'
      reasons.push(`the async buffer is ${Math.round((facts.asyncOutstanding / facts.maxBufferedRecords) * 100)}% full`)
    }
    const failure = facts.lastFailure
    if (failure && failure.at >= facts.lastDelivery && DELIVERY_FAILURES.has(failure.code)) {
      status = 'degraded'
      reasons.push(`the last publish failed (${failure.code}) and none succeeded since`)
    }
  }
  return {
    status,
    reasons,
    closed: facts.closed,
    outstanding: facts.outstanding,
    buffered: facts.asyncOutstanding,
    maxBuffered: facts.maxBufferedRecords,
    lastDeliveryAt: facts.lastDelivery > 0 ? new Date(facts.lastDelivery) : undefined,
    lastFailure: facts.lastFailure && { code: facts.lastFailure.code, at: new Date(facts.lastFailure.at) },
  }
}

export interface PartitionLag {
  topic: string
  partition: number
  lag: number
}

export interface LagReport {
  /** Sum over the member's assigned partitions. */
  total: number
  partitions: PartitionLag[]
  measuredAt: Date
}

/** One group member: the consumer's own group, or one of its retry tiers. */
export interface RunnerHealth {
  group: string
  running: boolean
  connected: boolean
  assigned: { topic: string; partition: number }[]
  inFlight: number
  /** The last lag measurement (undefined before the first one, or with lag monitoring off). */
  lag: LagReport | undefined
  lastCommitAt: Date | undefined
  /** A commit failed after the last successful one. */
  commitFailing: boolean
  lastHeartbeat: Date | null
  /** No heartbeat for longer than the session timeout: the coordinator has likely evicted us. */
  heartbeatStalled: boolean
  restarts: number
  generation: number
}

export interface ConsumerHealth {
  status: HealthStatus
  reasons: string[]
  group: string
  state: string
  runners: RunnerHealth[]
}

export interface HealthOptions {
  /** Total lag (records) of a group member above which the consumer is degraded. Default: no bound. */
  maxLag?: number
}

export function consumerHealth(
  group: string,
  state: string,
  runners: RunnerHealth[],
  options: HealthOptions = {},
): ConsumerHealth {
  const reasons: string[] = []
  let status: HealthStatus = 'ok'
  const degrade = (reason: string) => {
    if (status === 'ok') status = 'degraded'
    reasons.push(reason)
  }
  if (state !== 'running') {
    status = 'down'
    reasons.push(`the consumer is ${state}`)
  }
  for (const runner of runners) {
    if (state === 'running' && !runner.connected) {
      status = 'down'
      reasons.push(`${runner.group}: not connected (reconnecting after ${runner.restarts} restart(s))`)
    }
    if (runner.heartbeatStalled) degrade(`${runner.group}: heartbeats stalled`)
    if (runner.commitFailing) degrade(`${runner.group}: offset commits are failing`)
    if (options.maxLag !== undefined && runner.lag && runner.lag.total > options.maxLag) {
      degrade(`${runner.group}: lag ${runner.lag.total} is above ${options.maxLag}`)
    }
  }
  return { status, reasons, group, state, runners }
}

export interface KafkitHealth {
  status: HealthStatus
  service: string
  /** Undefined until the producer is first used. */
  producer: ProducerHealth | undefined
  consumers: ConsumerHealth[]
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, down: 2 }

/** The worst of the parts' statuses. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'ok'
  for (const status of statuses) if (RANK[status] > RANK[worst]) worst = status
  return worst
}
