// One correlation id's path across topics (the console's Trace page), against the real broker,
// while topics come and go: a topic deleted during the walk is left out, and the path is still shown.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { correlationPath } from '../../src/console/follow.ts'
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
