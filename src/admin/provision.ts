// ensureTopics: create what is missing, accept what exists, report partition mismatches, and wait
// until every partition has a leader (a topic just created cannot take writes before that). The
// whole call is bounded by `timeoutMs`; brokers that cannot be reached, stay silent, or refuse the
// credentials or TLS settings fail it with the brokers and the cause named.
import { Admin, findErrorBy, type ClusterMetadata } from '@platformatic/kafka'
import { connectionError, diagnose, isConfigurationFailure } from '../cluster/diagnose.ts'
import { before } from '../cluster/deadline.ts'
import { clientTimeouts, wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import type { Duration } from '../util/duration.ts'
import { timeoutOf } from '../util/timeout.ts'
import { defaultLogger, type Logger } from '../logging/logger.ts'
import { wireErrorMessage } from '../producer/failures.ts'
import type { TopicSpec } from './specs.ts'

export interface EnsureTopicsOptions {
  /** A topic whose partition count differs from its spec: log a warning (default) or throw. */
  onMismatch?: 'warn' | 'error'
  /** The whole call's bound: listing, creating, and waiting for every partition's leader. Default 30 s. */
  timeout?: Duration
  /** @deprecated Use `timeout` (removed in 1.0). */
  timeoutMs?: number
  logger?: Logger
}

export interface TopicMismatch {
  name: string
  expectedPartitions: number
  actualPartitions: number
}

export interface EnsureTopicsReport {
  created: string[]
  existing: string[]
  mismatched: TopicMismatch[]
}

const POLL_START_MS = 50
const POLL_MAX_MS = 500

/** Creates the topics that do not exist yet; safe to run at every start of every service. */
export async function ensureTopics(
  client: ClientOptions,
  specs: readonly TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsReport> {
  const log = (options.logger ?? defaultLogger()).child({ component: 'kafkit-admin' })
  const unique = [...new Map(specs.map((s) => [s.name, s])).values()]
  const report: EnsureTopicsReport = { created: [], existing: [], mismatched: [] }
  if (unique.length === 0) return report
  const timeoutMs = timeoutOf(options, 30_000, 'ensureTopics')
  const until = Date.now() + timeoutMs
  const timeouts = clientTimeouts(client)
  const admin = new Admin({
    ...wireConnectionOptions(client, 'kafkit-admin'),
    // kafkit retries (below), so that the last failure is known when the bound is hit.
    retries: 0,
    connectTimeout: Math.min(timeouts.connectMs ?? 5000, timeoutMs),
    requestTimeout: Math.min(timeouts.requestMs ?? timeoutMs, timeoutMs),
  })
  const step = <T>(what: string, work: () => Promise<T>) => retryUntil(until, timeoutMs, client, what, work)
  try {
    const existing = new Set(await step('listing topics', () => admin.listTopics()))
    const missing = unique.filter((s) => !existing.has(s.name))
    // One request per topic: each has its own configs, and an existing topic fails a whole request.
    const results = await step('creating topics', () => Promise.all(missing.map((spec) => createTopic(admin, spec))))
    missing.forEach((spec, i) => (results[i] ? report.created : report.existing).push(spec.name))
    report.existing.push(...unique.filter((s) => existing.has(s.name)).map((s) => s.name))
    const metadata = await waitForLeaders(admin, unique, until, timeoutMs)
    report.mismatched = mismatches(unique, metadata)
  } finally {
    await before(Date.now() + CLOSE_MS, admin.close(), () => new Error('close')).catch(() => undefined)
  }
  if (report.created.length > 0) log.info({ topics: report.created }, 'topics created')
  if (report.mismatched.length > 0) {
    const summary = report.mismatched.map(
      (m) => `${m.name} has ${m.actualPartitions} partitions, not ${m.expectedPartitions}`,
    )
    if (options.onMismatch === 'error') {
      throw new KafkitError(ErrorCodes.TOPIC_MISMATCH, `topics differ from their definitions: ${summary.join('; ')}`, {
        details: { mismatched: report.mismatched },
      })
    }
    log.warn({ mismatched: report.mismatched }, `topics differ from their definitions: ${summary.join('; ')}`)
  }
  return report
}

/** True if created; false if another process created it first. */
async function createTopic(admin: Admin, spec: TopicSpec): Promise<boolean> {
  try {
    await admin.createTopics({
      topics: [{ topic: spec.name, partitions: spec.partitions, replicas: spec.replicationFactor ?? -1 }],
      configs: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
    })
    return true
  } catch (err) {
    if (err instanceof Error && findErrorBy(err, 'apiId', 'TOPIC_ALREADY_EXISTS')) return false
    throw new CreateTopicFailed(spec.name, err)
  }
}

class CreateTopicFailed extends Error {
  readonly topic: string
  constructor(topic: string, cause: unknown) {
    super(`creating topic ${topic} failed: ${wireErrorMessage(cause)}`, { cause })
    this.topic = topic
  }
}

async function waitForLeaders(
  admin: Admin,
  specs: readonly TopicSpec[],
  until: number,
  timeoutMs: number,
): Promise<ClusterMetadata> {
  const names = specs.map((s) => s.name)
  let delay = POLL_START_MS
  let lastProblem: string
  for (;;) {
    try {
      const metadata = await before(
        until,
        admin.metadata({ topics: names, forceUpdate: true }),
        () => new Error(`no metadata within ${timeoutMs} ms`),
      )
      const leaderless = names.filter((name) => {
        const topic = metadata.topics.get(name)
        return !topic || topic.partitions.length === 0 || topic.partitions.some((p) => p === undefined || p.leader < 0)
      })
      if (leaderless.length === 0) return metadata
      lastProblem = `no leader yet for partitions of ${leaderless.join(', ')}`
    } catch (err) {
      // A topic just created may not be in the metadata yet ("Unknown topic").
      lastProblem = wireErrorMessage(err)
    }
    if (Date.now() + delay > until) {
      throw new KafkitError(
        ErrorCodes.TOPIC_PROVISION_FAILED,
        `topics not ready within ${timeoutMs} ms: ${lastProblem}`,
        {
          retryable: true,
          details: { topics: names },
        },
      )
    }
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(POLL_MAX_MS, delay * 2)
  }
}

function mismatches(specs: readonly TopicSpec[], metadata: ClusterMetadata): TopicMismatch[] {
  return specs.flatMap((spec) => {
    const actual = metadata.topics.get(spec.name)?.partitionsCount
    return actual === undefined || actual === spec.partitions
      ? []
      : [{ name: spec.name, expectedPartitions: spec.partitions, actualPartitions: actual }]
  })
}

/** Closing a connection to a silent broker must not hold the call up either. */
const CLOSE_MS = 2000

/**
 * Runs `work` until it succeeds, retrying what may pass (a broker that refused the connection, a
 * controller moving) with backoff, until `until`. Fails with what went wrong last, named.
 */
async function retryUntil<T>(
  until: number,
  timeoutMs: number,
  client: ClientOptions,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  let last: unknown
  let delay = POLL_START_MS
  for (;;) {
    try {
      return await before(until, work(), () => late(client, what, timeoutMs, last))
    } catch (err) {
      if (KafkitError.is(err)) throw err
      const diagnosis = diagnose(err)
      const wire = err instanceof CreateTopicFailed ? err.cause : err
      const permanent = diagnosis
        ? isConfigurationFailure(diagnosis)
        : wire instanceof Error && findErrorBy(wire, 'canRetry', false) !== null
      if (permanent) return provisionFailure(client, what)(err)
      last = err
    }
    if (Date.now() + delay >= until) throw late(client, what, timeoutMs, last)
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(POLL_MAX_MS, delay * 2)
  }
}

/** The bound is hit: the last failure seen, or silence. */
function late(client: ClientOptions, what: string, timeoutMs: number, last: unknown): KafkitError {
  const diagnosis = (last !== undefined && diagnose(last)) || {
    failure: 'no-answer' as const,
    detail: `no answer within ${timeoutMs} ms`,
    brokers: [],
  }
  return connectionError(`provisioning topics (${what})`, diagnosis, client.brokers, { cause: last })
}

/** Connection failures keep their codes (credentials, TLS, unreachable); the broker's refusals are provisioning failures. */
function provisionFailure(client: ClientOptions, what: string) {
  return (err: unknown): never => {
    if (KafkitError.is(err)) throw err
    const diagnosis = diagnose(err)
    if (diagnosis) throw connectionError(`provisioning topics (${what})`, diagnosis, client.brokers, { cause: err })
    const wire = err instanceof CreateTopicFailed ? err.cause : err
    const retryable = !(wire instanceof Error && findErrorBy(wire, 'canRetry', false))
    const message = err instanceof CreateTopicFailed ? err.message : `${what} failed: ${wireErrorMessage(err)}`
    throw new KafkitError(ErrorCodes.TOPIC_PROVISION_FAILED, message, { cause: wire, retryable })
  }
}
