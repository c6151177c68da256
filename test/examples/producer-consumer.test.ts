// The cmd tools as a user runs them, configured by the seed's environment variables only: the
// producer sends N messages, the consumer's workers handle them, and the poison ones pass through
// in-process retries and a retry topic into the DLQ. SIGTERM stops the consumer cleanly.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { failureOf } from '../support/dlq.ts'
import { repoRoot, runScript } from '../support/process.ts'
import { brokers, defer, deleteAfter, readTopic, uniqueName, waitFor } from '../support/kafka.ts'

test('cmd producer and consumer: N sent, all handled, poison messages end in the DLQ', async (t) => {
  const topic = uniqueName('cmd-events')
  const group = uniqueName('cmd-group')
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: brokers().join(','),
    KAFKA_PRODUCER_TOPIC: topic,
    KAFKA_CONSUMER_TOPIC: topic,
    KAFKA_CONSUMER_GROUP_ID: group,
    KAFKA_CONSUMER_WORKERS: '4',
    KAFKA_CONSUMER_RETRY_MAX: '2',
    KAFKA_CONSUMER_RETRY_TOPICS: '1s',
    KAFKA_RETRY_TOPIC_PREFIX: `${topic}-retry`,
    KAFKA_DLQ_TOPIC: `${topic}-dlq`,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
  }
  deleteAfter(t, () => [topic, `${topic}-dlq`, `${topic}-retry.${group}.1s`])

  const produced = await runScript(
    ['--conditions=kafkit-source', 'examples/producer-consumer/producer.ts', '--count', '20', '--poison-every', '10'],
    env,
  )
  assert.equal(produced.code, 0, produced.stderr)
  const producedLines = jsonLines(produced.stdout).filter((l) => l['msg'] === 'message produced')
  assert.equal(producedLines.length, 20)
  const poison = producedLines.filter((l) => l['poison'] === true).map((l) => l['id'] as string)
  assert.equal(poison.length, 2)

  const consumer = spawn(process.execPath, ['--conditions=kafkit-source', 'examples/producer-consumer/consumer.ts'], {
    cwd: repoRoot,
    env,
  })
  let stdout = ''
  consumer.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  consumer.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => consumer.on('exit', (code) => resolve(code)))
  defer(t, () => consumer.kill('SIGKILL'))

  const processed = () =>
    new Set(
      jsonLines(stdout)
        .filter((l) => l['msg'] === 'message processed')
        .map((l) => l['id']),
    )
  await waitFor(() => processed().size === 18, '18 good messages processed', { timeoutMs: 60_000 })
  const dead = await readTopic(t, `${topic}-dlq`, 2, 60_000)
  // A failure record is the original record (its value, the envelope) with the failure in its headers.
  const records = dead.map((r) => ({
    ...failureOf(r),
    envelope: JSON.parse(r.value.toString()) as { payload: { id: string } },
  }))
  assert.deepEqual(
    new Set(records.map((r) => r.envelope.payload.id)),
    new Set(poison),
    'the DLQ holds the poison messages',
  )
  assert.ok(records.every((r) => r.original_topic === topic && r.consumer_group === group))
  assert.deepEqual(
    records.map((r) => r.attempt_count),
    [3, 3],
    'two in-process deliveries and one from the retry topic',
  )
  // The log line follows the DLQ write, so it may come a moment after the record is readable.
  const deadLettered = () => jsonLines(stdout).filter((l) => String(l['msg']).startsWith('record dead-lettered'))
  await waitFor(() => deadLettered().length === 2, 'two dead-letter log lines')
  assert.deepEqual(
    new Set(deadLettered().map((l) => l['eventId'])),
    new Set(records.map((r) => r.event_id)),
    'each logged with its event id',
  )
  assert.equal(jsonLines(stdout).filter((l) => l['msg'] === 'record moved to a retry topic').length, 2)
  for (const id of poison) assert.ok(!processed().has(id), 'a poison message is never processed')

  consumer.kill('SIGTERM')
  assert.equal(await exited, 0, stdout.slice(-2000))
  assert.ok(jsonLines(stdout).some((l) => l['msg'] === 'consumer stopped'))
})

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
