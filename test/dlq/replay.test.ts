// DLQ inspection and replay: filters, dry run, rate limit, and only the failed group sees replays.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, NonRetryableError, silentLogger } from 'kafkit'
import { readDeadLetters, replayDeadLetters } from 'kafkit/dlq'
import { brokers, defer, deleteAfter, track, uniqueName, waitFor } from '../support/kafka.ts'

test('replay sends failures back to the failed group only, with filters, dry run and a rate limit', async (t) => {
  const name = uniqueName('replay')
  const topic = defineTopic({ name, key: 'id', partitions: 2 })
  const Shipped = defineEvent({ type: 'parcel.shipped', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  const Lost = defineEvent({ type: 'parcel.lost', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [name, `${name}.dlq`])
  const client = { brokers: brokers() }
  const kafkit = createKafkit({ service: 'replay-test', catalog: [Shipped, Lost], client, logger: silentLogger() })
  defer(t, () => kafkit.close())
  await kafkit.provision()

  let broken = true
  const handledByA: { id: string; replayed: boolean }[] = []
  const handledByB: string[] = []
  const groupA = uniqueName('replay-a')
  const groupB = uniqueName('replay-b')
  const a = kafkit.consumer({ group: groupA, commitInterval: 100 })
  a.on('parcel.*', (event, ctx) => {
    if (broken && event.payload.id.startsWith('bad')) throw new NonRetryableError('warehouse unreachable')
    handledByA.push({ id: event.payload.id, replayed: ctx.headers.has('kafkit-replay-group') })
  })
  const b = kafkit.consumer({ group: groupB, commitInterval: 100 })
  b.on('parcel.*', (event) => void handledByB.push(event.payload.id))
  await Promise.all([a.start(), b.start()])

  for (let i = 0; i < 5; i++) await kafkit.publish(Shipped, { id: `bad-${i}` })
  await kafkit.publish(Lost, { id: 'bad-lost' })
  await kafkit.publish(Shipped, { id: 'good' })
  await waitFor(() => handledByB.length === 7, 'group B handled all seven')
  const dlq = `${name}.dlq`
  await waitFor(async () => (await readDeadLetters(client, dlq)).length === 6, 'six failures in the DLQ')

  // Filters.
  assert.equal((await readDeadLetters(client, dlq, { group: groupA, type: 'parcel.lost' })).length, 1)
  assert.equal((await readDeadLetters(client, dlq, { group: groupB })).length, 0)
  assert.equal((await readDeadLetters(client, dlq, { errorCode: 'KAFKIT_NON_RETRYABLE', limit: 2 })).length, 2)

  // Dry run: a report, nothing sent.
  const admin = track(t, new Admin({ clientId: uniqueName('admin'), bootstrapBrokers: brokers() }))
  const endOf = async () => {
    const [offsets] = await admin.listOffsets({
      topics: [{ name, partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
    })
    return offsets!.partitions.reduce((sum, p) => sum + p.offset, 0n)
  }
  const before = await endOf()
  const dry = await replayDeadLetters(client, dlq, kafkit.producer, {
    dryRun: true,
    filter: { type: 'parcel.shipped' },
  })
  assert.equal(dry.replayed.length, 5)
  assert.equal(await endOf(), before, 'a dry run writes nothing')

  // The real replay, rate-limited to 10/s, after the failure was fixed.
  broken = false
  const started = performance.now()
  const report = await replayDeadLetters(client, dlq, kafkit.producer, { filter: { group: groupA }, ratePerSecond: 10 })
  const elapsed = performance.now() - started
  assert.equal(report.replayed.length, 6)
  assert.ok(elapsed >= 500, `6 records at 10/s took ${elapsed.toFixed(0)} ms, faster than the limit allows`)
  assert.ok(report.replayed.every((r) => r.group === groupA && r.topic === name))

  await waitFor(() => handledByA.filter((h) => h.replayed).length === 6, 'group A handled the six replays')
  // Group B consumed past the replayed records (its commits reach the end) without handling them.
  const end = await endOf()
  await waitFor(async () => {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [groupB] })
    const committed = group?.topics
      .find((x) => x.name === name)
      ?.partitions.reduce((sum, p) => sum + p.committedOffset, 0n)
    return committed === end
  }, 'group B committed past the replays')
  assert.equal(handledByB.length, 7, 'group B never handled a replay meant for group A')
})

test('a failure record whose value was left out is skipped by replay and listed, never replayed incomplete', async (t) => {
  const name = uniqueName('replay-excluded')
  const topic = defineTopic({ name, key: 'id', dlqIncludesValue: false })
  const Secret = defineEvent({ type: 'card.stored', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [name, `${name}.dlq`])
  const client = { brokers: brokers() }
  const kafkit = createKafkit({
    service: 'replay-excluded',
    catalog: [Secret],
    client,
    logger: silentLogger(),
    producer: { deadLetter: true },
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const result = await kafkit.publish(Secret, { id: 42 } as never)
  assert.equal(result.status, 'dead-lettered')
  const [entry] = await readDeadLetters(client, `${name}.dlq`)
  assert.equal(entry?.original?.valueOmitted, 'excluded')
  const report = await replayDeadLetters(client, `${name}.dlq`, kafkit.producer, { allGroups: true })
  assert.equal(report.replayed.length, 0)
  assert.deepEqual(
    report.skipped.map((s) => s.reason),
    ['the original value was not kept (excluded)'],
  )
})
