// The kafkit command against real topics: dlq list / show / replay --dry-run, tail; and errors.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, NonRetryableError, silentLogger } from 'kafkit'
import { readDeadLetters } from 'kafkit/dlq'
import { runCli } from '../../src/cli/program.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { runScript } from '../support/process.ts'

function io() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: {
      out: (l: string) => void out.push(l),
      err: (l: string) => void err.push(l),
      env: { KAFKA_BROKERS: brokers().join(',') },
    },
  }
}

test('dlq list, show and replay --dry-run; tail prints events', async (t) => {
  const name = uniqueName('cli')
  const topic = defineTopic({ name, key: 'id' })
  const Failed = defineEvent({ type: 'job.failed', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [name, `${name}.dlq`])
  const kafkit = createKafkit({
    service: 'cli-test',
    catalog: [Failed],
    client: { brokers: brokers() },
    logger: silentLogger(),
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const group = uniqueName('cli-group')
  const consumer = kafkit.consumer({ group })
  consumer.on(Failed, () => {
    throw new NonRetryableError('no such job')
  })
  await consumer.start()
  const first = await kafkit.publish(Failed, { id: 'j1' })
  await kafkit.publish(Failed, { id: 'j2' })
  const dlq = `${name}.dlq`
  await waitFor(async () => (await readDeadLetters({ brokers: brokers() }, dlq)).length === 2, 'two failures')

  const list = io()
  assert.equal(await runCli(['dlq', 'list', dlq], list.io), 0, list.err.join('\n'))
  assert.match(list.out[0]!, /^PARTITION\s+OFFSET\s+LAST FAILURE\s+GROUP\s+TYPE/)
  assert.ok(
    list.out.some(
      (l) => l.includes(first.eventId) && l.includes(group) && l.includes('KAFKIT_NON_RETRYABLE: no such job'),
    ),
  )
  assert.equal(list.out.at(-1), '2 failure(s)')

  const json = io()
  assert.equal(await runCli(['dlq', 'list', dlq, '--json', '--limit', '1'], json.io), 0)
  assert.equal(json.out.length, 1)
  const listed = JSON.parse(json.out[0]!) as {
    consumer_group: string
    partition: number
    offset: string
    event_id: string
  }
  assert.equal(listed.consumer_group, group)

  const show = io()
  assert.equal(
    await runCli(['dlq', 'show', dlq, '--partition', String(listed.partition), '--offset', listed.offset], show.io),
    0,
    show.err.join('\n'),
  )
  const shown = JSON.parse(show.out.join('\n')) as { record: { event_id: string; original_topic: string } }
  assert.equal(shown.record.original_topic, name)
  assert.equal(shown.record.event_id, listed.event_id)

  const dry = io()
  assert.equal(
    await runCli(['dlq', 'replay', dlq, '--dry-run', '--event-id', first.eventId], dry.io),
    0,
    dry.err.join('\n'),
  )
  assert.deepEqual(dry.out, [
    `would replay ${first.eventId} (job.failed) to ${name} for ${group}`,
    '1 would be replayed, 0 skipped',
  ])

  const tail = io()
  assert.equal(await runCli(['tail', name, '--from-beginning', '--count', '2'], tail.io), 0, tail.err.join('\n'))
  assert.equal(tail.out.length, 2)
  // Partitions interleave in any order: look for the line, not its position.
  assert.ok(
    tail.out.some((l) => l.includes(`job.failed@1.0  id=${first.eventId}  key=j1`)),
    tail.out.join('\n'),
  )
})

test('bad input gets a clear message and a failing exit code', async () => {
  const bad = io()
  assert.equal(await runCli(['dlq', 'list', 'x.dlq', '--since', 'yesterday'], bad.io), 2)
  assert.match(bad.err[0]!, /--since "yesterday" is not a time/)
})

test('the kafkit bin runs as a program', async () => {
  const result = await runScript(['--conditions=kafkit-source', 'src/cli/main.ts', '--version'], process.env)
  assert.equal(result.code, 0)
  assert.equal(result.stdout.trim(), '0.1.0')
})
