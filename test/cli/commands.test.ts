// topics, groups (lag, reset-offsets), produce and the replay target check, against the broker.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, silentLogger } from 'kafkit'
import { readDeadLetters } from 'kafkit/dlq'
import {
  brokers,
  createTopic,
  defer,
  deleteAfter,
  readTopic,
  testAdmin,
  uniqueName,
  waitFor,
} from '../support/kafka.ts'
import { assertReplayKeptPartitions, cli, topicWithFailures } from './support.ts'

async function endOffsets(t: TestContext, topic: string, partitions: number): Promise<bigint> {
  const [listed] = await testAdmin(t).listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })),
      },
    ],
  })
  return listed!.partitions.reduce((sum, p) => sum + p.offset, 0n)
}

test('replay refuses a target group that does not exist or never read the topic, and sends nothing', async (t) => {
  const f = await topicWithFailures(t, 3)
  const before = await endOffsets(t, f.topic, 3)

  const none = await cli(['dlq', 'replay', f.dlq, '--to-group', 'no-such-group'])
  assert.equal(none.code, 4, none.all)
  assert.match(none.err.join('\n'), /replay refused, nothing sent: consumer group no-such-group does not exist/)

  // A group that exists but consumed another topic only.
  const other = await createTopic(t, 'cli-other')
  const stranger = uniqueName('stranger')
  await testAdmin(t).alterConsumerGroupOffsets({
    groupId: stranger,
    topics: [{ name: other, partitionOffsets: [{ partition: 0, offset: 0n }] }],
  })
  const unread = await cli(['dlq', 'replay', f.dlq, '--to-group', stranger])
  assert.equal(unread.code, 4, unread.all)
  assert.match(unread.err.join('\n'), new RegExp(`${stranger} has never committed an offset on ${f.topic}`))
  const dry = await cli(['dlq', 'replay', f.dlq, '--to-group', stranger, '--dry-run'])
  assert.equal(dry.code, 4, 'a dry run says the replay would be refused')
  assert.equal(await endOffsets(t, f.topic, 3), before, 'nothing was sent')

  // The group that failed them has read the topic: its replay goes out, three records.
  const ok = await cli(['dlq', 'replay', f.dlq, '--rate', '100'])
  assert.equal(ok.code, 0, ok.all)
  assert.equal(ok.out.at(-1), '3 replayed, 0 skipped')
  assert.equal(await endOffsets(t, f.topic, 3), before + 3n)
})

test("replay with --catalog places records by the topic's partitioner (fnv1a), as publish did", async (t) => {
  const f = await topicWithFailures(t, 12, 6, 'fnv1a')
  process.env['REPLAY_TOPIC'] = f.topic
  const fixture = new URL('./fixtures/replay-catalog.ts', import.meta.url).pathname
  const run = await cli(['dlq', 'replay', f.dlq, '--catalog', `${fixture}#catalog`])
  assert.equal(run.code, 0, run.all)
  assert.equal(run.out.at(-1), '12 replayed, 0 skipped')
  await assertReplayKeptPartitions(t, f.topic, 12, 6)
})

test('topics list and describe; groups list and describe show lag per partition', async (t) => {
  const f = await topicWithFailures(t, 2, 1)
  const list = await cli(['topics', 'list'])
  assert.equal(list.code, 0, list.all)
  assert.match(list.out[0]!, /^TOPIC\s+PARTITIONS\s+REPLICAS\s+RECORDS\s+WRITTEN\s+SIZE$/)
  assert.ok(
    list.out.some((l) => new RegExp(`^${f.topic}\\s+1\\s+1\\s+2\\s+2\\s`).test(l)),
    list.all,
  )

  const describe = await cli(['topics', 'describe', f.topic, '--json'])
  assert.equal(describe.code, 0, describe.all)
  const topic = JSON.parse(describe.out[0]!) as {
    partitions: { latest: string }[]
    groups: { group: string; lag: number }[]
  }
  assert.equal(topic.partitions.length, 1)
  assert.deepEqual(topic.groups, [{ group: f.group, state: 'Empty', members: 0, lag: 0 }])

  // Two more records the (stopped) group has not read: lag 2.
  const kafkit = createKafkit({ service: 'lag', catalog: [], client: { brokers: brokers() }, logger: silentLogger() })
  defer(t, () => kafkit.close())
  await kafkit.producer.sendRecords([
    { topic: f.topic, value: Buffer.from('{}'), partition: 0 },
    { topic: f.topic, value: Buffer.from('{}'), partition: 0 },
  ])
  const group = await cli(['groups', 'describe', f.group])
  assert.equal(group.code, 0, group.all)
  assert.match(group.out[0]!, new RegExp(`^${f.group}: Empty, 0 member\\(s\\), lag 2$`))
  assert.ok(
    group.out.some((l) => new RegExp(`^${f.topic}\\s+0\\s+2\\s+4\\s+2\\s+-$`).test(l)),
    group.all,
  )
  const groups = await cli(['groups', 'list', '--json'])
  const listed = groups.out.map((l) => JSON.parse(l) as { id: string; lag: number }).find((g) => g.id === f.group)
  assert.equal(listed?.lag, 2)
  const unknown = await cli(['groups', 'describe', 'no-such-group-x'])
  assert.equal(unknown.code, 2)
  assert.match(unknown.err.join('\n'), /consumer group no-such-group-x does not exist/)
})

test('groups reset-offsets: a plan first, --execute moves them, a running group is refused', async (t) => {
  const name = uniqueName('reset')
  const topic = defineTopic({ name, key: 'id', partitions: 2 })
  const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [name, `${name}.dlq`])
  const kafkit = createKafkit({
    service: 'reset',
    catalog: [Ping],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const group = uniqueName('reset-group')
  const seen: string[] = []
  const consumer = kafkit.consumer({ group, commitInterval: 50 })
  consumer.on(Ping, (e) => void seen.push(e.payload.id))
  await consumer.start()
  for (let i = 0; i < 4; i++) await kafkit.publish(Ping, { id: `p${i}` })
  await waitFor(() => seen.length === 4, 'four handled')

  const active = await cli(['groups', 'reset-offsets', group, '--topic', name, '--to-earliest', '--execute'])
  assert.equal(active.code, 4, active.all)
  assert.match(active.err.join('\n'), /has 1 member\(s\).*stop them first/)
  await consumer.stop()

  const plan = await cli(['groups', 'reset-offsets', group, '--topic', name, '--to-earliest'])
  assert.equal(plan.code, 0, plan.all)
  assert.match(plan.out.at(-1)!, /dry run: nothing changed/)
  const described = JSON.parse((await cli(['groups', 'describe', group, '--json'])).out[0]!) as { lag: number }
  assert.equal(described.lag, 0, 'the dry run moved nothing')

  const done = await cli(['groups', 'reset-offsets', group, '--topic', name, '--to-earliest', '--execute'])
  assert.equal(done.code, 0, done.all)
  const after = JSON.parse((await cli(['groups', 'describe', group, '--json'])).out[0]!) as { lag: number }
  assert.equal(after.lag, 4)

  const none = await cli(['groups', 'reset-offsets', group, '--topic', name])
  assert.equal(none.code, 2)
  assert.match(none.err.join('\n'), /give exactly one of --to-earliest/)
  const latest = await cli(['groups', 'reset-offsets', group, '--topic', name, '--to-latest', '--execute', '--json'])
  assert.equal(latest.code, 0, latest.all)
  assert.equal((JSON.parse((await cli(['groups', 'describe', group, '--json'])).out[0]!) as { lag: number }).lag, 0)
})

test('produce: a catalog event validated against its schema, or a raw record', async (t) => {
  const topic = await createTopic(t, 'cli-produce', { partitions: 1 })
  const catalogModule = `${process.cwd()}/test/cli/fixtures/produce-catalog.ts`
  // The fixture module names its topic from this variable when it is first imported (below).
  process.env['PRODUCE_TOPIC'] = topic
  const env = { KAFKA_BROKERS: brokers().join(',') }

  const invalid = await cli(
    ['produce', '--catalog', catalogModule, '--type', 'parcel.sent', '--payload', '{"id":1}'],
    env,
  )
  assert.equal(invalid.code, 2, invalid.all)
  assert.match(invalid.err.join('\n'), /invalid payload for parcel\.sent v1\.0: id: /)

  const sent = await cli(
    [
      'produce',
      '--catalog',
      catalogModule,
      '--type',
      'parcel.sent',
      '--payload',
      '{"id":"p-1"}',
      '--correlation-id',
      'c-42',
      '--json',
    ],
    env,
  )
  assert.equal(sent.code, 0, sent.all)
  const result = JSON.parse(sent.out[0]!) as { topic: string; offset: string; eventId: string }
  assert.equal(result.topic, topic)

  const raw = await cli(
    ['produce', topic, '--raw', '--value', 'not json', '--key', 'k1', '--header', 'tenant=acme'],
    env,
  )
  assert.equal(raw.code, 0, raw.all)
  const [event, record] = await readTopic(t, topic, 2)
  const envelope = JSON.parse(event!.value.toString()) as { id: string; correlation_id: string; payload: unknown }
  assert.equal(envelope.id, result.eventId)
  assert.equal(envelope.correlation_id, 'c-42')
  assert.deepEqual(envelope.payload, { id: 'p-1' })
  assert.equal(event!.key?.toString(), 'p-1', "keyed by the topic's key field")
  assert.equal(record!.value.toString(), 'not json')
  assert.equal(record!.key?.toString(), 'k1')
  assert.equal(record!.headers.get('tenant'), 'acme')

  const unknown = await cli(['produce', '--catalog', catalogModule, '--type', 'parcel.lost', '--payload', '{}'], env)
  assert.equal(unknown.code, 2)
  assert.match(unknown.err.join('\n'), /the catalog has no event parcel\.lost \(it has parcel\.sent\)/)
})

test('dlq list reads failures through the configured connection (still one table per DLQ)', async (t) => {
  const f = await topicWithFailures(t, 2)
  const run = await cli(['dlq', 'list', f.dlq, '--json'])
  assert.equal(run.code, 0, run.all)
  assert.equal(run.out.length, 2)
  assert.equal((await readDeadLetters({ brokers: brokers() }, f.dlq)).length, 2)
})
