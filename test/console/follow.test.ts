// Reading topics without a group for the console, against the real broker: one correlation id's
// path across topics (the Trace page) while topics come and go, and following a topic (the Tail
// page's stream) through a failed read.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { correlationPath, followTopic } from '../../src/console/follow.ts'
import { errorMessage } from '../../src/errors.ts'
import { PartitionReader } from '../../src/console/partition-reader.ts'
import { brokers, createTopic, testAdmin, uniqueName, waitFor } from '../support/kafka.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'

test('a correlation path leaves out a topic deleted after its offsets were read', async (t) => {
  const kept = await createTopic(t, 'path-kept')
  const doomed = await createTopic(t, 'path-doomed')
  const correlationId = uniqueName('corr')
  await rawProducer(t).send([
    envelopeRecord(kept, 'k', 'test.happened', '1.0', { n: 1 }, { correlation_id: correlationId }),
    envelopeRecord(doomed, 'k', 'test.happened', '1.0', { n: 2 }, { correlation_id: correlationId }),
  ])
  const admin = testAdmin(t)
  const reader = new PartitionReader({ brokers: brokers() }, uniqueName('path-reader'))
  t.after(() => reader.close())
  // Every read of the walk waits for the real deletion of `doomed`, which the first one starts.
  let deletion: Promise<void> | undefined
  const deleteDoomed = async () => {
    await admin.deleteTopics({ topics: [doomed] })
    await waitFor(async () => !(await admin.listTopics()).includes(doomed), `${doomed} gone`)
  }
  const deleting = new Proxy(reader, {
    get(target, property) {
      if (property === 'read') {
        return async (...args: Parameters<PartitionReader['read']>) => {
          await (deletion ??= deleteDoomed())
          return target.read(...args)
        }
      }
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })

  const path = await correlationPath(admin, deleting, {
    topics: [kept, doomed],
    correlationId,
    since: Date.now() - 60_000,
  })

  assert.deepEqual(
    path.records.map((r) => r.topic),
    [kept],
  )
  assert.equal(path.partial, false)
})

test('following a topic reads on after a failed read, and says so', async (t) => {
  const topic = await createTopic(t, 'follow-retry')
  await rawProducer(t).send([envelopeRecord(topic, 'k', 'test.happened', '1.0', { n: 1 })])
  const reader = new PartitionReader({ brokers: brokers() }, uniqueName('follow-reader'))
  t.after(() => reader.close())
  // The first read fails as a read does when its connection closes under it; the reader is real.
  let failed = false
  const flaky = new Proxy(reader, {
    get(target, property) {
      if (property === 'read') {
        return (...args: Parameters<PartitionReader['read']>) => {
          if (failed) return target.read(...args)
          failed = true
          return Promise.reject(new Error('Connection closed'))
        }
      }
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
  const abort = new AbortController()
  const seen: bigint[] = []
  const retries: string[] = []
  const following = followTopic(
    flaky,
    topic,
    new Map([[0, 0n]]),
    {},
    (record) => {
      seen.push(record.offset)
      abort.abort()
    },
    abort.signal,
    undefined,
    (error) => retries.push(errorMessage(error)),
  )
  await waitFor(() => seen.length > 0, 'the record after the failed read')
  await following
  assert.deepEqual(seen, [0n])
  assert.deepEqual(retries, ['Connection closed'])
})

test('following a topic that does not exist ends with its error', async () => {
  const reader = new PartitionReader({ brokers: brokers() }, uniqueName('follow-reader'))
  try {
    await assert.rejects(
      followTopic(
        reader,
        uniqueName('no-such-topic'),
        new Map([[0, 0n]]),
        {},
        () => undefined,
        new AbortController().signal,
      ),
      /no partition 0|Unknown topic/,
    )
  } finally {
    await reader.close()
  }
})
