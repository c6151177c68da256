// A batch topic's intake as the runner drives it, without a group: one partition (0) of `topic`,
// admitted, tracked by offset, and each record taken straight into its batch or queued as a job of
// its own (one lane per partition). For tests of the batch path over records held in memory.
import { Batcher } from '../../src/consumer/batch.ts'
import { RecordHeaders } from '../../src/consumer/headers.ts'
import { RecordJob } from '../../src/consumer/job.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Assignment } from '../../src/consumer/partitions.ts'
import type { Pipeline } from '../../src/consumer/pipeline.ts'
import { WorkerPool } from '../../src/consumer/pool.ts'
import { sourceFacts } from '../../src/consumer/tiers.ts'
import { systemClock } from '../../src/util/clock.ts'

export function batchIntake(pipeline: Pipeline, topic: string) {
  const assignment = new Assignment({ pause: () => undefined, resume: () => undefined }, systemClock, 1000)
  assignment.add([{ topic, partition: 0 }], 1)
  const pool = new WorkerPool({ concurrency: 10, maxInFlight: 1000 })
  const runner: { stopping: boolean; batches?: Batcher } = { stopping: false }
  const batcher = new Batcher(pool, pipeline, runner, systemClock, 1000, {
    facts: (record, headers) => sourceFacts(record, headers, 'test'),
    direct: true,
  })
  runner.batches = batcher
  /** Dispatches `record`; true if it was taken straight into its batch, false if it went through a job. */
  const dispatch = (record: FetchedRecord): boolean => {
    const headers = new RecordHeaders(record.headerEntries)
    const partition = assignment.admit(record, 1, undefined)!
    partition.offsets.dispatched(record.offset, 0)
    if (batcher.take(record, headers, partition)) return true
    const facts = sourceFacts(record, headers, 'test')
    pool.submit(batcher.queue(new RecordJob(pipeline, runner, record, headers, facts, `${partition.epoch}`, partition)))
    return false
  }
  return { pool, dispatch, partition: () => assignment.get(topic, 0)! }
}
