// Consuming registry topics with the real broker and registry: typed events with their whole
// envelope, a topic that carries JSON envelopes and framed values, unknown schema ids and payloads
// that break their writer's schema to the DLQ with their bytes, and a registry that stops answering
// (the record waits, uncommitted, and is handled once the registry is back: never dead-lettered).
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { createKafkit, type Kafkit } from '../../src/kafkit/index.ts'
import { createCatalog, defineEvent, defineTopic, type AnyEvent } from '../../src/catalog/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { SchemaRegistry, registrySchemaOf, type RegistryCodecName } from '../../src/registry/index.ts'
import { failureOf } from '../support/dlq.ts'
import { brokers, defer, deleteAfter, readTopic, uniqueName, waitFor } from '../support/kafka.ts'
import { captureLogs } from '../support/logs.ts'
import { recordCount } from '../producer/support.ts'
import { envelopeRecord, rawProducer } from '../support/raw.ts'
import { registryAuth, registryUrl, testRegistry } from '../support/registry.ts'

const Ride = z.object({ ride_id: z.string(), fare: z.number(), note: z.string().optional() })

const RIDE_PROTO = `syntax = "proto3";
package txova.rides;
message RideCompleted {
  string ride_id = 1;
  double fare = 2;
  optional string note = 3;
}
`

function catalogOn(name: string, codec: RegistryCodecName) {
  const topic = defineTopic({ name, key: 'ride_id', partitions: 1, codec })
  const RideCompleted = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: Ride,
    schemas: { protobuf: { proto: RIDE_PROTO, message: 'RideCompleted' } },
  })
  return { topic, RideCompleted, catalog: createCatalog([RideCompleted]) }
}

function subjectOf(registry: SchemaRegistry, event: AnyEvent): string {
  return registry.subjectOf({ topic: event.topic.name, type: event.type, major: event.major })
}

async function service(t: TestContext, events: AnyEvent[], registry: SchemaRegistry, name = 'consumer-test') {
  const kafkit = createKafkit({
    service: name,
    catalog: events,
    client: { brokers: brokers() },
    logger: silentLogger(),
    registry,
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  return kafkit
}

for (const codec of ['registry-json', 'registry-avro', 'registry-protobuf'] as const) {
  test(`${codec}: handlers receive typed events with their whole envelope`, async (t) => {
    const name = uniqueName(`registry-consume-${codec}`)
    deleteAfter(t, () => [name, `${name}.dlq`])
    const { RideCompleted } = catalogOn(name, codec)
    const subjects: string[] = []
    const registry = testRegistry(t, {}, () => subjects)
    subjects.push(subjectOf(registry, RideCompleted))
    const kafkit: Kafkit = await service(t, [RideCompleted], registry)

    const seen: unknown[] = []
    const consumer = kafkit.consumer({ group: uniqueName('registry-group') })
    consumer.on(RideCompleted, (event, ctx) => {
      seen.push({ ...event, attempt: ctx.attempt })
    })
    await consumer.start()
    const first = await kafkit.publish(
      RideCompleted,
      { ride_id: 'r-1', fare: 12.5 },
      { correlationId: 'corr-1', actor: { id: 'u-1', type: 'user' }, metadata: { tenant: 'txova' } },
    )
    const second = await kafkit.publish(RideCompleted, { ride_id: 'r-2', fare: 3, note: 'tip included' })
    await waitFor(() => seen.length === 2, 'both events handled')
    const [a, b] = seen as Record<string, unknown>[]
    assert.equal(a!['id'], first.eventId)
    assert.equal(a!['type'], 'ride.completed')
    assert.equal(a!['version'], '1.0')
    assert.equal(a!['source'], 'consumer-test')
    assert.equal(a!['correlation_id'], 'corr-1')
    assert.deepEqual(a!['actor'], { id: 'u-1', type: 'user' })
    assert.deepEqual(a!['metadata'], { tenant: 'txova' })
    assert.deepEqual(a!['payload'], { ride_id: 'r-1', fare: 12.5 })
    assert.equal(b!['id'], second.eventId)
    assert.deepEqual(b!['payload'], { ride_id: 'r-2', fare: 3, note: 'tip included' })
  })
}

test('a topic moving from JSON envelopes to registry-json carries both, and both are handled', async (t) => {
  const name = uniqueName('registry-mixed')
  deleteAfter(t, () => [name, `${name}.dlq`])
  const { RideCompleted } = catalogOn(name, 'registry-json')
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  subjects.push(subjectOf(registry, RideCompleted))
  const kafkit = await service(t, [RideCompleted], registry)
  // Written before the move, by a producer of the JSON codec.
  await rawProducer(t).send([envelopeRecord(name, 'r-0', 'ride.completed', '1.0', { ride_id: 'r-0', fare: 1 })])
  await kafkit.publish(RideCompleted, { ride_id: 'r-1', fare: 2 })
  const fares: number[] = []
  const consumer = kafkit.consumer({ group: uniqueName('registry-group') })
  consumer.on(RideCompleted, (event) => void fares.push(event.payload.fare))
  await consumer.start()
  await waitFor(() => fares.length === 2, 'both records handled')
  assert.deepEqual(fares, [1, 2])
})

function framedHeaders(eventId: string): Record<string, string> {
  return { 'event-id': eventId, 'event-type': 'ride.completed', 'event-version': '1.0', 'event-source': 'foreign' }
}

test('an unknown schema id and a payload that breaks its writer schema go to the DLQ with their bytes', async (t) => {
  const name = uniqueName('registry-dlq')
  deleteAfter(t, () => [name, `${name}.dlq`])
  const { RideCompleted } = catalogOn(name, 'registry-json')
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const subject = subjectOf(registry, RideCompleted)
  subjects.push(subject)
  const id = await registry.register(subject, registrySchemaOf(RideCompleted, 'registry-json'))
  const kafkit = await service(t, [RideCompleted], registry)

  const frame = (schemaId: number, payload: object) => {
    const body = Buffer.from(JSON.stringify(payload))
    const value = Buffer.alloc(5 + body.length)
    value.writeInt32BE(schemaId, 1)
    body.copy(value, 5)
    return value
  }
  const unknownId = frame(2_000_000_002, { ride_id: 'r-1', fare: 1 })
  const broken = frame(id, { ride_id: 'r-2', fare: 'one' })
  await rawProducer(t).send([
    { topic: name, key: 'r-1', value: unknownId, headers: framedHeaders('0190d8a5-7d0a-7000-8000-000000000001') },
    { topic: name, key: 'r-2', value: broken, headers: framedHeaders('0190d8a5-7d0a-7000-8000-000000000002') },
    {
      topic: name,
      key: 'r-3',
      value: frame(id, { ride_id: 'r-3', fare: 3 }),
      headers: framedHeaders('0190d8a5-7d0a-7000-8000-000000000003'),
    },
  ])
  const handled: string[] = []
  const consumer = kafkit.consumer({ group: uniqueName('registry-group') })
  consumer.on(RideCompleted, (event) => void handled.push(event.payload.ride_id))
  await consumer.start()

  const dead = (await readTopic(t, `${name}.dlq`, 2)).map((r) => failureOf(r))
  const byKey = new Map(dead.map((d) => [d.original_key, d]))
  const unknown = byKey.get('r-1')!
  assert.equal(unknown.error_code, 'KAFKIT_SCHEMA_UNKNOWN')
  assert.equal(unknown.retryable, false)
  assert.equal(unknown.value_encoding, 'base64')
  assert.ok(Buffer.from(unknown.original_value as string, 'base64').equals(unknownId), 'the original bytes, exactly')
  const mismatch = byKey.get('r-2')!
  assert.equal(mismatch.error_code, 'KAFKIT_DECODE_FAILED')
  assert.match(mismatch.error_message, new RegExp(`does not match its writer's schema ${id}`))
  assert.ok(Buffer.from(mismatch.original_value as string, 'base64').equals(broken))
  assert.equal(mismatch.original_headers['event-id'], '0190d8a5-7d0a-7000-8000-000000000002')
  await waitFor(() => handled.includes('r-3'), 'the good record after them is handled')
})

/** An HTTP proxy in front of the registry that answers 503 while `down` (a registry restarting). */
async function flakyRegistry(t: TestContext): Promise<{ url: string; down: boolean; refused: () => number }> {
  const upstream = registryUrl().replace(/\/+$/, '')
  const state = { down: true, refused: 0 }
  const server: Server = createServer((req, res) => {
    if (state.down) {
      state.refused++
      res.writeHead(503).end('{"error_code":50301,"message":"restarting"}')
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
      const headers: Record<string, string> = {}
      for (const name of ['content-type', 'accept', 'authorization']) {
        const v = req.headers[name]
        if (typeof v === 'string') headers[name] = v
      }
      fetch(`${new URL(upstream).origin}${req.url ?? ''}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body ? { body } : {}),
      }).then(
        async (r) =>
          res
            .writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' })
            .end(Buffer.from(await r.arrayBuffer())),
        () => res.writeHead(502).end(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const path = new URL(upstream).pathname
  return {
    url: `http://127.0.0.1:${address.port}${path}`,
    get down() {
      return state.down
    },
    set down(value: boolean) {
      state.down = value
    },
    refused: () => state.refused,
  }
}

test('a registry that stops answering holds the record (retried, uncommitted, never dead-lettered) until it is back', async (t) => {
  const name = uniqueName('registry-outage')
  deleteAfter(t, () => [name, `${name}.dlq`])
  const { RideCompleted } = catalogOn(name, 'registry-json')
  const subjects: string[] = []
  const direct = testRegistry(t, {}, () => subjects)
  subjects.push(subjectOf(direct, RideCompleted))
  // Written while the registry answers (the schema is registered, the producer knows its id).
  const writer = await service(t, [RideCompleted], direct, 'outage-writer')
  await writer.publish(RideCompleted, { ride_id: 'r-1', fare: 1 })
  await writer.publish(RideCompleted, { ride_id: 'r-1', fare: 2 })

  const flaky = await flakyRegistry(t)
  const logs = captureLogs('warn')
  const reader = new SchemaRegistry({ url: flaky.url, ...registryAuth(), retries: 1, retryBackoff: 20 })
  const kafkit = createKafkit({
    service: 'outage-reader',
    catalog: [RideCompleted],
    client: { brokers: brokers() },
    logger: logs.logger,
    registry: reader,
  })
  defer(t, () => kafkit.close())
  const fares: number[] = []
  const consumer = kafkit.consumer({ group: uniqueName('registry-group') })
  consumer.on(RideCompleted, (event) => void fares.push(event.payload.fare))
  await consumer.start()

  await waitFor(() => logs.matching('could not decode the record yet, will retry').length >= 2, 'decoding retried')
  assert.deepEqual(fares, [])
  assert.match(String(logs.matching('could not decode the record yet')[0]!['msg']), /did not answer .* after 2 attempt/)
  flaky.down = false
  await waitFor(() => fares.length === 2, 'handled once the registry answers')
  assert.deepEqual(fares, [1, 2], 'in order')
  assert.ok(flaky.refused() >= 4)
  await consumer.stop()
  // Nothing was dead-lettered for the outage.
  assert.equal(await recordCount(t, `${name}.dlq`), 0)
})
