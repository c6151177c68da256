// The DLQ keeps the original record exactly: records written by kcat (odd JSON, binary, 100 headers,
// a 4 KiB header, a tombstone) are dead-lettered and replayed, and the replayed key, value and headers
// are the originals, byte for byte.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createKafkit, defineEvent, defineTopic, NonRetryableError, silentLogger } from 'kafkit'
import { readDeadLetters, replayDeadLetters } from 'kafkit/dlq'
import { createEnvelope, envelopeHeaders, jsonCodec } from '../../src/envelope/index.ts'
import { brokers, defer, deleteAfter, uniqueName, waitFor } from '../support/kafka.ts'
import { kcatProduceExact, readExact, type ExactRecord, type KcatRecord } from '../support/exact.ts'
import { requireKcat } from '../support/kcat.ts'

function envelopeRecord(key: string, extraHeaders: [string, string][]): KcatRecord {
  const envelope = createEnvelope({ type: 'parcel.sent', version: '1.0', source: 'kcat', payload: { id: key } })
  const headers = Object.entries(envelopeHeaders(envelope, jsonCodec.contentType)).map(
    ([name, value]) => [name, String(value)] as [string, string],
  )
  return { key, value: jsonCodec.encode(envelope).value, headers: [...headers, ...extraHeaders] }
}

const withoutReplayHeaders = (record: ExactRecord) =>
  record.headers.filter(([name]) => !name.toString('latin1').startsWith('kafkit-replay-'))

test('kcat-written records are dead-lettered and replayed byte for byte: key, value and every header', async (t) => {
  if (!requireKcat(t)) return
  const name = uniqueName('dlq-exact')
  const topic = defineTopic({ name, key: 'id', partitions: 1 })
  const Sent = defineEvent({ type: 'parcel.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })
  deleteAfter(t, () => [name, `${name}.dlq`])
  const client = { brokers: brokers() }
  const kafkit = createKafkit({ service: 'dlq-exact', catalog: [Sent], client, logger: silentLogger() })
  defer(t, () => kafkit.close())
  await kafkit.provision()

  const many: [string, string][] = Array.from({ length: 94 }, (_, i) => [`x-h-${i % 90}`, `v${i}`])
  const originals: KcatRecord[] = [
    {
      key: 'odd-json',
      value: Buffer.from('{"n": 12345678901234567890123 ,  "price":1.50,"dup":1,"dup":2, "s":"\\u00e9\\n"}\n'),
      headers: [
        ['content-type', 'application/json'],
        ['odd', ' spaced  out '],
        ['odd', 'twice'],
      ],
    },
    {
      key: 'binary',
      value: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      headers: [['bytes', '\u00ff\u0001']],
    },
    envelopeRecord('hundred-headers', many),
    envelopeRecord('big-header', [['x-big', 'b'.repeat(4096)]]),
    { key: 'tombstone', value: null, headers: [['why', 'deleted']] },
    // Replayed once already (and failed again): its old replay headers give way to the new ones.
    {
      key: 'replayed-before',
      value: Buffer.from('{}'),
      headers: [
        ['kafkit-replay-of', 'earlier.dlq/0/7'],
        ['x', 'y'],
      ],
    },
  ]
  await kcatProduceExact(name, originals)
  const written = await readExact(t, name, originals.length)
  assert.equal(written[2]!.headers.length, 100, 'the third record has 100 headers')

  const group = uniqueName('dlq-exact')
  const consumer = kafkit.consumer({ group, commitInterval: 100 })
  consumer.on(Sent, () => {
    throw new NonRetryableError('refused')
  })
  await consumer.start()
  const dlq = `${name}.dlq`
  await waitFor(async () => (await readDeadLetters(client, dlq)).length === originals.length, 'every record in the DLQ')
  await consumer.stop()

  const report = await replayDeadLetters(client, dlq, kafkit.producer, { group })
  assert.deepEqual(
    report.skipped.map((s) => s.reason),
    [],
    'nothing skipped',
  )
  assert.equal(report.replayed.length, originals.length)
  const all = await readExact(t, name, originals.length * 2)
  const replayed = new Map(all.slice(originals.length).map((r) => [r.key?.toString('latin1'), r]))
  for (const original of written) {
    const label = original.key!.toString('latin1')
    const again = replayed.get(label)
    assert.ok(again, `${label} was replayed`)
    assert.deepEqual(again.key, original.key, `${label}: the key`)
    assert.deepEqual(again.value, original.value, `${label}: the value, byte for byte (null for the tombstone)`)
    assert.deepEqual(withoutReplayHeaders(again), withoutReplayHeaders(original), `${label}: every header, in order`)
    const replayOf = again.headers.filter(([n]) => n.toString() === 'kafkit-replay-of').map(([, v]) => v?.toString())
    assert.equal(replayOf.length, 1, `${label}: one kafkit-replay-of header`)
    assert.match(replayOf[0]!, new RegExp(`^${name}\\.dlq/0/\\d+$`), `${label}: naming the DLQ record it came from`)
    assert.equal(
      again.headers.find(([n]) => n.toString() === 'kafkit-replay-group')?.[1]?.toString(),
      group,
      `${label}: replayed for the group that failed`,
    )
  }
})
