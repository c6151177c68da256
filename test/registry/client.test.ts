// The registry client against the real registry: register and resolve, compatibility verdicts for
// JSON Schema and Avro, unknown ids, and a registry that is down or silent.
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { test, type TestContext } from 'node:test'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { SchemaRegistry, type RegistrySchema } from '../../src/registry/index.ts'
import { uniqueName } from '../support/kafka.ts'
import { closedPort, testRegistry } from '../support/registry.ts'

const DRAFT = 'http://json-schema.org/draft-07/schema#'

function json(properties: Record<string, unknown>, required: string[]): RegistrySchema {
  const schema = { $schema: DRAFT, type: 'object', properties, required, additionalProperties: false }
  return { schemaType: 'JSON', schema: JSON.stringify(schema) }
}

function avro(fields: Record<string, unknown>[]): RegistrySchema {
  return { schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'Ride', namespace: 'test', fields }) }
}

async function rejection(promise: Promise<unknown>): Promise<KafkitError> {
  try {
    await promise
  } catch (err) {
    assert.ok(KafkitError.is(err), `a KafkitError, not ${String(err)}`)
    return err
  }
  assert.fail('expected a rejection')
}

const v1 = json({ ride_id: { type: 'string' }, fare: { type: 'number' } }, ['ride_id', 'fare'])

test('a schema registers once and resolves by id; the same schema keeps its id', async (t) => {
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const subject = uniqueName('test.rides-ride.completed.v1')
  subjects.push(subject)
  const id = await registry.register(subject, v1)
  assert.ok(Number.isInteger(id) && id >= 0)
  assert.equal(await registry.register(subject, v1), id)
  // A fresh client (no cache) finds the same id, and the schema by its id.
  const other = testRegistry(t)
  assert.equal(await other.lookup(subject, v1), id)
  const resolved = await other.schemaById(id)
  assert.equal(resolved.schemaType, 'JSON')
  assert.deepEqual(JSON.parse(resolved.schema), JSON.parse(v1.schema))
  assert.deepEqual(await other.versions(subject), [1])
})

test('JSON Schema compatibility: an optional field passes; a required field or a changed type fails', async (t) => {
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const subject = uniqueName('test.rides-ride.completed.v1')
  subjects.push(subject)
  await registry.register(subject, v1)

  const optionalAdded = json({ ride_id: { type: 'string' }, fare: { type: 'number' }, tip: { type: 'number' } }, [
    'ride_id',
    'fare',
  ])
  const requiredAdded = json({ ride_id: { type: 'string' }, fare: { type: 'number' }, tip: { type: 'number' } }, [
    'ride_id',
    'fare',
    'tip',
  ])
  const typeChanged = json({ ride_id: { type: 'string' }, fare: { type: 'string' } }, ['ride_id', 'fare'])

  assert.equal(await registry.isCompatible(subject, optionalAdded), true)
  assert.equal(await registry.isCompatible(subject, requiredAdded), false)
  assert.equal(await registry.isCompatible(subject, typeChanged), false)

  const refused = await rejection(registry.register(subject, typeChanged))
  assert.equal(refused.code, ErrorCodes.SCHEMA_INCOMPATIBLE)
  assert.equal(refused.retryable, false)
  assert.match(refused.message, new RegExp(`subject ${subject.replace(/\./g, '\\.')}`))
  assert.ok((await registry.register(subject, optionalAdded)) >= 0)
  assert.deepEqual(await registry.versions(subject), [1, 2])

  // An open content model (additional properties allowed): even an optional field is refused.
  const open = uniqueName('test.rides-ride.open.v1')
  subjects.push(open)
  const openSchema = (properties: Record<string, unknown>): RegistrySchema => ({
    schemaType: 'JSON',
    schema: JSON.stringify({ $schema: DRAFT, type: 'object', properties, required: ['ride_id'] }),
  })
  await registry.register(open, openSchema({ ride_id: { type: 'string' } }))
  assert.equal(
    await registry.isCompatible(open, openSchema({ ride_id: { type: 'string' }, tip: { type: 'number' } })),
    false,
  )
})

test('Avro compatibility: a new field with a default passes, one without fails', async (t) => {
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const subject = uniqueName('test.rides-ride.completed.v1')
  subjects.push(subject)
  const base = [
    { name: 'ride_id', type: 'string' },
    { name: 'fare', type: 'double' },
  ]
  const id = await registry.register(subject, avro(base))
  assert.equal((await registry.schemaById(id)).schemaType, 'AVRO')
  assert.equal(
    await registry.isCompatible(subject, avro([...base, { name: 'tip', type: ['null', 'double'], default: null }])),
    true,
  )
  assert.equal(await registry.isCompatible(subject, avro([...base, { name: 'tip', type: 'double' }])), false)
})

test('an unknown schema id is SCHEMA_UNKNOWN, not retryable', async (t) => {
  const registry = testRegistry(t)
  const error = await rejection(registry.schemaById(2_000_000_000))
  assert.equal(error.code, ErrorCodes.SCHEMA_UNKNOWN)
  assert.equal(error.retryable, false)
  assert.equal(error.details['schemaId'], 2_000_000_000)
})

test('a subject that does not exist has no versions and accepts any first schema', async (t) => {
  const registry = testRegistry(t)
  const subject = uniqueName('test.none-x.y.v1')
  assert.deepEqual(await registry.versions(subject), [])
  assert.equal(await registry.isCompatible(subject, v1), true)
})

/** A TCP server that accepts connections and never answers: a hung registry. */
async function silentServer(t: TestContext): Promise<{ url: string; connections: () => number }> {
  let connections = 0
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { url: `http://127.0.0.1:${address.port}`, connections: () => connections }
}

test('a registry that does not answer fails with REGISTRY_UNAVAILABLE after the configured attempts', async (t) => {
  const silent = await silentServer(t)
  const registry = new SchemaRegistry({ url: silent.url, requestTimeout: 300, retries: 2, retryBackoff: 50 })
  t.after(() => registry.close())
  const started = Date.now()
  const error = await rejection(registry.schemaById(1))
  const elapsed = Date.now() - started
  assert.equal(error.code, ErrorCodes.REGISTRY_UNAVAILABLE)
  assert.equal(error.retryable, true)
  assert.equal(error.details['attempts'], 3)
  assert.match(error.message, new RegExp(`${silent.url}.*after 3 attempt`))
  assert.equal(silent.connections(), 3, 'one request per attempt')
  // 3 timeouts of 300 ms and backoffs of 50 + 100 ms, bounded well under the 1.3 s per-attempt deadline each.
  assert.ok(elapsed >= 900 && elapsed < 5000, `gave up after ${elapsed} ms`)
})

test('a refused connection is retried too, then REGISTRY_UNAVAILABLE', async (t) => {
  const registry = new SchemaRegistry({ url: `http://127.0.0.1:${await closedPort()}`, retries: 1, retryBackoff: 10 })
  t.after(() => registry.close())
  const error = await rejection(registry.register('x-y.v1', v1))
  assert.equal(error.code, ErrorCodes.REGISTRY_UNAVAILABLE)
  assert.equal(error.details['attempts'], 2)
  assert.match(error.message, /ECONNREFUSED/)
})

test('Protobuf compatibility: a new field passes, a changed type fails', async (t) => {
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const subject = uniqueName('test.rides-ride.completed.v1')
  subjects.push(subject)
  const proto = (fields: string): RegistrySchema => ({
    schemaType: 'PROTOBUF',
    schema: `syntax = "proto3";\npackage test;\nmessage Ride {\n  string ride_id = 1;\n${fields}}\n`,
  })
  const id = await registry.register(subject, proto('  double fare = 2;\n'))
  assert.equal((await testRegistry(t).schemaById(id)).schemaType, 'PROTOBUF')
  assert.equal(await registry.isCompatible(subject, proto('  double fare = 2;\n  string note = 3;\n')), true)
  assert.equal(await registry.isCompatible(subject, proto('  string fare = 2;\n')), false)
})
