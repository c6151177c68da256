// Replays started from the console run as jobs the page follows: a dry run first (what would go
// where, whether each target group exists and has read the topic), then, when asked and allowed,
// the replay itself at the chosen rate, with its progress.
import { randomUUID } from 'node:crypto'
import type { Admin } from '@platformatic/kafka'
import { assertReplayTargets, checkReplayTargets, type ReplayTargetCheck } from '../admin/replay-target.ts'
import type { ClientOptions } from '../config/client.ts'
import { replayDeadLetters, type DeadLetterFilter, type ReplaySender } from '../dlq/index.ts'
import { errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'

export interface ReplayRequest {
  topic: string
  filter: DeadLetterFilter
  group?: string
  allGroups?: boolean
  rate?: number
  dryRun: boolean
}

export type JobState = 'reading' | 'sending' | 'done' | 'refused' | 'failed'

export interface ReplayJob {
  id: string
  request: ReplayRequest
  state: JobState
  planned: number
  sent: number
  skipped: string[]
  targets: ReplayTargetCheck[]
  /** What went (or would go) where: the first 200 lines. */
  lines: string[]
  error: string | undefined
  startedAt: number
  finishedAt: number | undefined
}

const KEEP = 50
const MAX_LINES = 200

export class ReplayJobs {
  readonly #jobs = new Map<string, ReplayJob>()
  readonly #client: ClientOptions
  readonly #admin: Admin
  readonly #sender: () => ReplaySender
  readonly #log: Logger
  readonly #running = new Set<Promise<void>>()

  constructor(options: { client: ClientOptions; admin: Admin; sender: () => ReplaySender; logger: Logger }) {
    this.#client = options.client
    this.#admin = options.admin
    this.#sender = options.sender
    this.#log = options.logger
  }

  get(id: string): ReplayJob | undefined {
    return this.#jobs.get(id)
  }

  start(request: ReplayRequest): ReplayJob {
    const job: ReplayJob = {
      id: randomUUID(),
      request,
      state: 'reading',
      planned: 0,
      sent: 0,
      skipped: [],
      targets: [],
      lines: [],
      error: undefined,
      startedAt: Date.now(),
      finishedAt: undefined,
    }
    this.#jobs.set(job.id, job)
    for (const old of [...this.#jobs.keys()].slice(0, Math.max(0, this.#jobs.size - KEEP))) this.#jobs.delete(old)
    const run = this.#run(job).finally(() => {
      job.finishedAt = Date.now()
      this.#running.delete(run)
    })
    this.#running.add(run)
    return job
  }

  async #run(job: ReplayJob): Promise<void> {
    const { request } = job
    const target = {
      filter: request.filter,
      ...(request.group !== undefined && { group: request.group }),
      ...(request.allGroups !== undefined && { allGroups: request.allGroups }),
    }
    try {
      const plan = await replayDeadLetters(
        this.#client,
        request.topic,
        { sendRecords: () => Promise.resolve() },
        {
          ...target,
          dryRun: true,
        },
      )
      job.planned = plan.replayed.length
      job.skipped = plan.skipped.map((s) => `${s.entry.partition}/${s.entry.offset}: ${s.reason}`)
      job.targets = await checkReplayTargets(
        this.#admin,
        plan.replayed.flatMap((r) => (r.group === undefined ? [] : [{ group: r.group, topic: r.topic }])),
      )
      for (const item of plan.replayed.slice(0, MAX_LINES))
        job.lines.push(
          `${item.entry.partition}/${item.entry.offset} ${item.entry.record?.event_type ?? '?'} ${item.entry.record?.event_id ?? '?'} → ${item.topic} for ${item.group ?? 'every group'}`,
        )
      try {
        assertReplayTargets(job.targets)
      } catch (error) {
        job.state = 'refused'
        job.error = errorMessage(error)
        return
      }
      if (request.dryRun) {
        job.state = 'done'
        return
      }
      job.state = 'sending'
      this.#log.info(
        { dlq: request.topic, planned: job.planned, rate: request.rate },
        'replay started from the console',
      )
      const report = await replayDeadLetters(this.#client, request.topic, this.#sender(), {
        ...target,
        ...(request.rate !== undefined && { ratePerSecond: request.rate }),
        onReplayed: () => void job.sent++,
      })
      job.sent = report.replayed.length
      job.state = 'done'
      this.#log.info({ dlq: request.topic, replayed: job.sent }, 'replay finished')
    } catch (error) {
      job.state = 'failed'
      job.error = errorMessage(error)
      this.#log.warn({ dlq: request.topic, err: job.error }, 'replay failed')
    }
  }

  /** Waits for running jobs (on shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running])
  }
}
