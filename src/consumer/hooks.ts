// The application's assignment hooks, and how they run: awaited where the runtime waits for them,
// and never able to crash it (a synchronous throw is caught like a rejection, and logged).
import { errorMessage } from '../errors.ts'
import type { Logger } from '../logging/logger.ts'
import type { TopicPartition } from './member.ts'

export interface RunnerHooks {
  /** Called when partitions are added; no record is read until it settles. */
  onAssign?: (partitions: TopicPartition[]) => void | Promise<void>
  /** Called after the revoked partitions' finished work was committed (awaited on stop). */
  onRevoke?: (partitions: TopicPartition[]) => void | Promise<void>
}

/** Runs `hook` with copies of the partitions. Never rejects. */
export async function runHook(
  logger: Logger,
  name: keyof RunnerHooks,
  hook: RunnerHooks[keyof RunnerHooks],
  partitions: readonly TopicPartition[],
): Promise<void> {
  if (!hook || partitions.length === 0) return
  try {
    await hook(partitions.map(({ topic, partition }) => ({ topic, partition })))
  } catch (error) {
    logger.error(
      { err: error, partitions: partitions.map(formatPartition) },
      `${name} hook failed: ${errorMessage(error)}`,
    )
  }
}

export function formatPartition(tp: TopicPartition): string {
  return `${tp.topic}[${tp.partition}]`
}
