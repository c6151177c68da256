// kafkit schema check / push and asyncapi from the command line: the txova catalog passes, a broken
// copy of it fails naming the event, version and field, and the registry round trip works.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { defineEvent, defineTopic } from '../../src/catalog/index.ts'
import { runCli } from '../../src/cli/program.ts'
import { createKafkit } from '../../src/kafkit/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { brokers, defer, deleteAfter, uniqueName } from '../support/kafka.ts'
import { repoRoot } from '../support/process.ts'
import { registryUrl, testRegistry } from '../support/registry.ts'

const TXOVA = 'examples/catalogs/txova.ts#txovaCatalog'

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, { out: (l) => void out.push(l), err: (l) => void err.push(l), env })
  return { code, out, err }
}

/** Writes a catalog module outside the repository; its imports of kafkit and zod become absolute URLs. */
function writeModule(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kafkit-catalog-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, name)
  writeFileSync(
    file,
    text
      .replace(/from 'kafkit'/g, `from '${new URL('../../src/index.ts', import.meta.url).href}'`)
      .replace(/from 'zod'/g, `from '${import.meta.resolve('zod')}'`),
  )
  return file
}

test('schema check passes on the txova catalog', async () => {
  const result = await cli(['schema', 'check', '--local', '--catalog', TXOVA])
  assert.equal(result.code, 0, result.err.join('\n'))
  assert.deepEqual(result.out, ['29 event version(s) of 28 type(s) pass (checked the catalog)'])
})

test('schema check fails on a broken copy of the txova catalog, naming the event, version and field', async (t) => {
  // ride.completed v1.1: the fare becomes a string and a required tip appears, without a new major.
  const txova = readFileSync(join(repoRoot, 'examples/catalogs/txova.ts'), 'utf8')
  const file = writeModule(
    t,
    'txova-broken.ts',
    `${txova}
export const brokenCatalog = createCatalog([
  ...txovaCatalog.events,
  defineEvent({
    type: 'ride.completed',
    version: '1.1',
    topic: ridesTopic,
    schema: z.object({ ride_id: Id, end_time: Time, distance_km: z.number(), duration_mins: z.number(), fare: z.string(), tip: Money }),
  }),
])
`,
  )
  const result = await cli(['schema', 'check', '--local', '--catalog', `${file}#brokenCatalog`])
  assert.equal(result.code, 1)
  assert.deepEqual(result.out, [
    '✖ [compatibility] ride.completed v1.1 is not backward compatible with v1.0: field "tip": a required field was added (old records lack it). A breaking change needs a new major version (v2.0) with an upcaster',
    '✖ [compatibility] ride.completed v1.1 is not backward compatible with v1.0: field "fare": type changed from number to string. A breaking change needs a new major version (v2.0) with an upcaster',
  ])
  assert.deepEqual(result.err, ['kafkit: schema check failed: 2 problem(s) (checked the catalog)'])
})

test('schema push registers every version; check against the registry then passes, and refuses an edit', async (t) => {
  const topic = uniqueName('cli.rides')
  const module = (fare: string) => `import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from 'kafkit'
const rides = defineTopic({ name: '${topic}', key: 'ride_id' })
const v10 = defineEvent({ type: 'ride.completed', version: '1.0', topic: rides, schema: z.object({ ride_id: z.string(), fare: ${fare} }) })
const v11 = defineEvent({ type: 'ride.completed', version: '1.1', topic: rides, schema: z.object({ ride_id: z.string(), fare: ${fare}, tip: z.number().optional() }) })
export default createCatalog([v10, v11])
`
  const good = writeModule(t, 'rides.ts', module('z.number()'))
  const env = { SCHEMA_REGISTRY_URL: registryUrl() }
  const subject = `${topic}-ride.completed.v1`
  testRegistry(t, {}, () => [subject])

  const pushed = await cli(['schema', 'push', '--catalog', good], env)
  assert.equal(pushed.code, 0, pushed.err.join('\n'))
  assert.match(pushed.out[0]!, new RegExp(`^ride\\.completed v1\\.0 → ${subject.replace(/\./g, '\\.')} \\(id \\d+\\)$`))
  assert.match(pushed.out[1]!, /^ride\.completed v1\.1 → /)
  assert.equal(pushed.out[2], `2 schema(s) registered at ${registryUrl()}`)

  const checked = await cli(['schema', 'check', '--catalog', good], env)
  assert.equal(checked.code, 0, checked.out.join('\n'))
  assert.deepEqual(checked.out, [
    `2 event version(s) of 1 type(s) pass (checked the catalog, the registry at ${registryUrl()})`,
  ])

  // The same versions with fare edited in place to a string: the catalog alone cannot tell, the registry can.
  const edited = writeModule(t, 'rides-edited.ts', module('z.string()'))
  const refused = await cli(['schema', 'check', '--catalog', edited], env)
  assert.equal(refused.code, 1)
  assert.match(
    refused.out[0]!,
    /^✖ \[registry\] the registry refuses ride\.completed v1\.0 under subject .*field "fare": type changed from number to string$/,
  )
  const push = await cli(['schema', 'push', '--catalog', edited], env)
  assert.equal(push.code, 1)
  assert.match(push.out[0]!, /^✖ ride\.completed v1\.0 → .*incompatible/)
})

test('without a catalog, or with a wrong export, the CLI says how to name one', async () => {
  const none = await cli(['schema', 'check'])
  assert.equal(none.code, 2, 'a usage error (docs/cli.md)')
  assert.match(none.err[0]!, /no catalog: pass --catalog path\/to\/module\.ts#export or set KAFKIT_CATALOG/)
  const wrong = await cli(['asyncapi', '--catalog', 'examples/catalogs/txova.ts#nope'])
  assert.equal(wrong.code, 2)
  assert.match(wrong.err[0]!, /examples\/catalogs\/txova\.ts has no export named nope \(it exports .*txovaCatalog/)
  const fromEnv = await cli(['asyncapi', '--json'], { KAFKIT_CATALOG: 'examples/catalogs/series.ts#seriesCatalog' })
  assert.equal(fromEnv.code, 0, fromEnv.err.join('\n'))
  assert.equal((JSON.parse(fromEnv.out.join('\n')) as { asyncapi: string }).asyncapi, '3.0.0')
})

test('kafkit tail decodes registry-encoded records when SCHEMA_REGISTRY_URL is set, and says why not otherwise', async (t) => {
  const name = uniqueName('cli-registry-tail')
  deleteAfter(t, () => [name, `${name}.dlq`])
  const topic = defineTopic({ name, key: 'ride_id', partitions: 1, codec: 'registry-json' })
  const RideCompleted = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: z.object({ ride_id: z.string(), fare: z.number() }),
  })
  const registry = testRegistry(t, {}, () => [`${name}-ride.completed.v1`])
  const kafkit = createKafkit({
    service: 'tail-test',
    catalog: [RideCompleted],
    client: { brokers: brokers() },
    logger: silentLogger(),
    registry,
  })
  defer(t, () => kafkit.close())
  await kafkit.provision()
  const published = await kafkit.publish(RideCompleted, { ride_id: 'r-1', fare: 4.5 })

  const env = { KAFKA_BROKERS: brokers().join(','), SCHEMA_REGISTRY_URL: registryUrl() }
  const tail = await cli(['tail', name, '--from-beginning', '--count', '1', '--json'], env)
  assert.equal(tail.code, 0, tail.err.join('\n'))
  const line = JSON.parse(tail.out[0]!) as { id: string; payload: unknown }
  assert.equal(line.id, published.eventId)
  assert.deepEqual(line.payload, { ride_id: 'r-1', fare: 4.5 })

  const without = await cli(['tail', name, '--from-beginning', '--count', '1'], { KAFKA_BROKERS: env.KAFKA_BROKERS })
  assert.match(
    without.out[0]!,
    /not an event: the record is in the Confluent wire format \(schema id \d+\), but this consumer has no schema registry: set SCHEMA_REGISTRY_URL/,
  )
})
