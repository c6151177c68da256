// AsyncAPI 3.0 documents from catalogs: valid for @asyncapi/parser, complete for txova (28 event
// types on 6 topics, who publishes and consumes), and the committed example documents up to date.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Parser } from '@asyncapi/parser'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { runCli } from '../../src/cli/program.ts'
import { asyncApiDocument } from '../../src/schema/index.ts'
import { EXAMPLE_DOCUMENTS } from '../../examples/catalogs/asyncapi/documents.ts'
import { txovaCatalog, txovaServices } from '../../examples/catalogs/txova.ts'
import { repoRoot } from '../support/process.ts'

const parser = new Parser()

/** Parses and fails on any error or warning the parser reports. */
async function parse(source: string | Record<string, unknown>) {
  const input = typeof source === 'string' ? source : { asyncapi: String(source['asyncapi']), ...source }
  const { document, diagnostics } = await parser.parse(input)
  const problems = diagnostics
    .filter((d) => Number(d.severity) <= 1) // 0 error, 1 warning (2, 3: information, hints)
    .map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)
  assert.deepEqual(problems, [])
  assert.ok(document, 'the parser returned a document')
  return document
}

/** A message's payload schema (unwrapped from its multi-format schema object). */
function payloadOf(message: { payload(): { json(): unknown } | undefined }): { properties: Record<string, unknown> } {
  const json = message.payload()?.json() as { schemaFormat?: string; schema?: unknown }
  return (json.schemaFormat === undefined ? json : json.schema) as { properties: Record<string, unknown> }
}

async function generate(args: string[]): Promise<string> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['asyncapi', ...args], {
    out: (l) => void out.push(l),
    err: (l) => void err.push(l),
    env: {},
  })
  assert.equal(code, 0, err.join('\n'))
  return `${out.join('\n')}\n`
}

test('the committed example documents are what `kafkit asyncapi` prints, and they validate', async () => {
  for (const doc of EXAMPLE_DOCUMENTS) {
    const committed = readFileSync(join(repoRoot, doc.file), 'utf8')
    assert.equal(await generate(doc.args), committed, `${doc.file} is stale: run npm run asyncapi:examples`)
    await parse(committed)
  }
})

test('the txova document lists 28 event types (29 versions) on 6 topics, and who publishes and consumes', async () => {
  const document = await parse(asyncApiDocument(txovaCatalog, { title: 'txova', services: txovaServices }))
  const channels = document.channels()
  assert.deepEqual(
    channels
      .all()
      .map((c) => c.address())
      .sort(),
    [
      'txova.drivers.v1',
      'txova.locations.v1',
      'txova.payments.v1',
      'txova.rides.v1',
      'txova.safety.v1',
      'txova.users.v1',
    ],
  )
  const messages = document.components().messages().all()
  assert.equal(messages.length, 29)
  const types = new Set(messages.map((m) => m.name()))
  assert.equal(types.size, 28)
  assert.deepEqual([...types].sort(), txovaCatalog.types().sort())
  for (const event of txovaCatalog.events) {
    const message = messages.find((m) => m.id() === `${event.type}.v${event.version}`)
    assert.ok(message, `${event.type} v${event.version}`)
    assert.ok(channels.get(event.topic.name)?.messages().get(message.id()), `listed on ${event.topic.name}`)
    const payload = payloadOf(message)
    assert.deepEqual(Object.keys(payload.properties).slice(0, 3), ['id', 'type', 'version'], 'the envelope')
    const headers = message.headers()?.json() as { properties: Record<string, { const?: string }> }
    assert.equal(headers.properties['event-type']?.const, event.type)
    assert.equal(headers.properties['event-version']?.const, event.version)
  }
  const rides = channels.get('txova.rides.v1')!
  assert.equal((rides.bindings().get('kafka')?.value() as { partitions: number }).partitions, 12)

  const operations = document.operations()
  const send = operations.get('ride-service.send.txova.rides.v1')
  assert.ok(send?.isSend())
  assert.equal(send?.messages().length, 7)
  const receive = operations.get('payment-service.receive.txova.rides.v1')
  assert.ok(receive?.isReceive())
  const group = receive?.bindings().get('kafka')?.value() as { groupId: { enum: string[] } }
  assert.deepEqual(group.groupId.enum, ['payment-service-group'])
  const consumersOfRides = operations
    .all()
    .filter((o) => o.isReceive() && o.channels().all()[0]?.address() === 'txova.rides.v1')
    .map((o) => o.id())
  assert.deepEqual(consumersOfRides.sort(), [
    'analytics-service.receive.txova.rides.v1',
    'notification-service.receive.txova.rides.v1',
    'payment-service.receive.txova.rides.v1',
    'safety-service.receive.txova.rides.v1',
  ])
})

test('a registry topic: payload schema alone, the envelope in headers, the Confluent schema id; deprecation marked', async () => {
  const topic = defineTopic({ name: 'txova.rides.v2', key: 'ride_id', codec: 'registry-avro' })
  const Old = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: z.object({ ride_id: z.string(), fare: z.number() }),
    deprecated: { since: '2026-05-01', note: 'use v1.1' },
  })
  const document = await parse(asyncApiDocument(createCatalog([Old]), { title: 'registry' }))
  const message = document.components().messages().all()[0]!
  assert.equal(message.contentType(), 'application/vnd.kafkit.registry-avro')
  assert.deepEqual(Object.keys(payloadOf(message).properties), ['ride_id', 'fare'])
  const headers = message.headers()?.json() as { required: string[] }
  assert.ok(headers.required.includes('event-time'))
  const kafka = message.bindings().get('kafka')?.value() as Record<string, unknown>
  assert.equal(kafka['schemaIdLocation'], 'payload')
  assert.equal(kafka['schemaIdPayloadEncoding'], 'confluent')
  assert.deepEqual(
    message
      .tags()
      .all()
      .map((t) => t.name()),
    ['deprecated'],
  )
  const raw = message.json<Record<string, unknown>>()
  assert.equal(raw['x-kafkit-registry-subject'], 'txova.rides.v2-ride.completed.v1')
  assert.deepEqual(raw['x-kafkit-deprecated'], { since: '2026-05-01', windowEnds: '2026-05-31', note: 'use v1.1' })
})
