// Reading the cluster while topics come and go, against the real broker. Tools (the console's
// sampler, `kafkit topics`, lag) read many topics in a few batched requests; a topic deleted
// between two of those requests is left out of the answer, and the read does not fail.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { Admin } from '@platformatic/kafka'
import { readCluster, readGroups } from '../../src/admin/index.ts'
import { createTopic, testAdmin, uniqueName, waitFor } from '../support/kafka.ts'

/**
 * The admin client, except that its first ListOffsets is preceded by the real deletion of `doomed`
 * (and waits until the broker's metadata no longer has it): the interleaving where a topic goes
 * after its metadata was read and before its offsets are.
 */
function deletingBeforeOffsets(t: TestContext, admin: Admin, doomed: string): Admin {
  const other = testAdmin(t)
  let deleted = false
  return new Proxy(admin, {
    get(target, property) {
      if (property === 'listOffsets' && !deleted) {
        return async (options: Parameters<Admin['listOffsets']>[0]) => {
          deleted = true
          await other.deleteTopics({ topics: [doomed] })
          await waitFor(async () => !(await other.listTopics()).includes(doomed), `${doomed} gone`)
          return target.listOffsets(options)
        }
      }
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

test('readCluster leaves out a topic deleted between its metadata and its offsets', async (t) => {
  const kept = await createTopic(t, 'cluster-kept', { partitions: 2 })
  const doomed = await createTopic(t, 'cluster-doomed')
  const admin = deletingBeforeOffsets(t, testAdmin(t), doomed)

  const state = await readCluster(admin, { topics: [kept, doomed] })

  assert.deepEqual(
    state.topics.map((topic) => topic.name),
    [kept],
  )
  assert.equal(state.topics[0]!.partitions.length, 2)
})

test('readGroups reads the lag of a group whose other topic is deleted during the read', async (t) => {
  const kept = await createTopic(t, 'groups-kept')
  const doomed = await createTopic(t, 'groups-doomed')
  const group = uniqueName('groups-deleted')
  const setup = testAdmin(t)
  await setup.alterConsumerGroupOffsets({
    groupId: group,
    topics: [
      { name: kept, partitionOffsets: [{ partition: 0, offset: 0n }] },
      { name: doomed, partitionOffsets: [{ partition: 0, offset: 0n }] },
    ],
  })
  const admin = deletingBeforeOffsets(t, testAdmin(t), doomed)

  const [state] = await readGroups(admin, { groups: [group] })

  assert.equal(state?.id, group)
  assert.deepEqual(
    state.partitions.map((p) => `${p.topic}/${p.partition}`),
    [`${kept}/0`],
  )
})
