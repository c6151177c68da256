// ensureTopics: create what is missing, accept what exists, report partition mismatches, and wait
// until every partition has a leader (a topic just created cannot take writes before that).
import { Admin, findErrorBy, type ClusterMetadata } from '@platformatic/kafka'
import { wireConnectionOptions, type ClientOptions } from '../config/client.ts'
import { ErrorCodes, KafkitError } from '../errors.ts'
import { defaultLogger, type Logger } from '../logging/logger.ts'
import { wireErrorMessage } from '../producer/failures.ts'
import type { TopicSpec } from './specs.ts'

export interface EnsureTopicsOptions {
  /** A topic whose partition count differs from its spec: log a warning (default) or throw. */
  onMismatch?: 'warn' | 'error'
  /** How long to wait for leaders of every partition. Default 30 s. */
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
  const admin = new Admin(wireConnectionOptions(client, 'kafkit-admin'))
  try {
    const existing = new Set(await admin.listTopics().catch(provisionFailure('listing topics')))
    const missing = unique.filter((s) => !existing.has(s.name))
    // One request per topic: each has its own configs, and an existing topic fails a whole request.
    const results = await Promise.all(missing.map((spec) => createTopic(admin, spec)))
    missing.forEach((spec, i) => (results[i] ? report.created : report.existing).push(spec.name))
    report.existing.push(...unique.filter((s) => existing.has(s.name)).map((s) => s.name))
    const metadata = await waitForLeaders(admin, unique, options.timeoutMs ?? 30_000)
    report.mismatched = mismatches(unique, metadata)
  } finally {
    await admin.close().catch(() => undefined)
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
    return provisionFailure(`creating topic ${spec.name}`)(err)
  }
}

async function waitForLeaders(admin: Admin, specs: readonly TopicSpec[], timeoutMs: number): Promise<ClusterMetadata> {
  const names = specs.map((s) => s.name)
  const until = Date.now() + timeoutMs
  let delay = POLL_START_MS
  let lastProblem: string
  for (;;) {
    try {
      const metadata = await admin.metadata({ topics: names, forceUpdate: true })
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

function provisionFailure(what: string) {
  return (err: unknown): never => {
    const retryable = !(err instanceof Error && findErrorBy(err, 'canRetry', false))
    throw new KafkitError(ErrorCodes.TOPIC_PROVISION_FAILED, `${what} failed: ${wireErrorMessage(err)}`, {
      cause: err,
      retryable,
    })
  }
}
