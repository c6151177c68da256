// The versioning rules over catalogs: locally (minor compatibility, upcasters), against the real
// registry (acceptance, removals before the deprecation window) and the real broker (deprecated
// versions still published after their window).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic, type AnyEvent } from '../../src/catalog/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { checkCatalog, localFindings, pushSchemas, scanPublished } from '../../src/schema/index.ts'
import { brokers, createTopic, uniqueName } from '../support/kafka.ts'
import { testRegistry } from '../support/registry.ts'

const Ride = z.object({ ride_id: z.string(), fare: z.number() })

function rides(name = 'txova.rides.v1') {
  return defineTopic({ name, key: 'ride_id' })
}

test('a minor version that changes a type is named with its field; an optional field is fine', () => {
  const topic = rides()
  const v10 = defineEvent({ type: 'ride.completed', version: '1.0', topic, schema: Ride })
  const v11 = defineEvent({
    type: 'ride.completed',
    version: '1.1',
    topic,
    schema: Ride.extend({ tip: z.number().optional() }),
  })
  const v12 = defineEvent({ type: 'ride.completed', version: '1.2', topic, schema: Ride.extend({ fare: z.string() }) })
  assert.deepEqual(localFindings(createCatalog([v10, v11])), [])
  assert.deepEqual(localFindings(createCatalog([v10, v11, v12])), [
    {
      rule: 'compatibility',
      event: 'ride.completed',
      version: '1.2',
      field: 'fare',
      message:
        'ride.completed v1.2 is not backward compatible with v1.1: field "fare": type changed from number to string. A breaking change needs a new major version (v2.0) with an upcaster',
    },
    {
      rule: 'compatibility',
      event: 'ride.completed',
      version: '1.2',
      field: 'tip',
      message:
        'ride.completed v1.2 is not backward compatible with v1.1: field "tip": field removed (old records carry it). A breaking change needs a new major version (v2.0) with an upcaster',
    },
  ])
})

test('a new major needs an upcaster; with one, a breaking change is allowed', () => {
  const topic = rides()
  const v1 = defineEvent({ type: 'ride.completed', version: '1.0', topic, schema: Ride })
  const bare = defineEvent({ type: 'ride.completed', version: '2.0', topic, schema: Ride.extend({ fare: z.string() }) })
  const findings = localFindings(createCatalog([v1, bare]))
  assert.equal(findings.length, 1)
  assert.equal(findings[0]!.rule, 'upcaster')
  assert.match(findings[0]!.message, /^ride\.completed v2\.0 is a new major version without an upcaster from v1\.0/)

  const upcast = defineEvent({
    type: 'ride.completed',
    version: '2.0',
    topic,
    schema: Ride.extend({ fare: z.string() }),
    upcast: { from: v1, up: (p) => ({ ...p, fare: String(p.fare) }) },
  })
  assert.deepEqual(localFindings(createCatalog([v1, upcast])), [])
})

test('a validator without a JSON Schema needs an explicit one', () => {
  const topic = rides()
  const opaque: StandardSchemaV1<{ ride_id: string }> = {
    '~standard': { version: 1, vendor: 'custom', validate: (v) => ({ value: v as { ride_id: string } }) },
  }
  const event = defineEvent({ type: 'ride.completed', version: '1.0', topic, schema: opaque })
  const [finding] = localFindings(createCatalog([event]))
  assert.equal(finding?.rule, 'json-schema')
  assert.match(
    finding.message,
    /its validator \(custom\) cannot produce a JSON Schema: give one in defineEvent\(\{ jsonSchema \}\)/,
  )
  const explicit = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: opaque,
    jsonSchema: { type: 'object', properties: { ride_id: { type: 'string' } }, required: ['ride_id'] },
  })
  assert.deepEqual(localFindings(createCatalog([explicit])), [])
})

const DAY = 86_400_000

function registrySubjects(events: AnyEvent[], registry: ReturnType<typeof testRegistry>): string[] {
  return [...new Set(events.map((e) => registry.subjectOf({ topic: e.topic.name, type: e.type, major: e.major })))]
}

test('against the registry: an incompatible schema under a registered subject is refused, with its field', async (t) => {
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const topic = rides(uniqueName('check.rides'))
  const v1 = defineEvent({ type: 'ride.completed', version: '1.0', topic, schema: Ride })
  subjects.push(...registrySubjects([v1], registry))
  const pushed = await pushSchemas(createCatalog([v1]), registry)
  assert.equal(pushed[0]?.error, undefined)
  assert.deepEqual(await checkCatalog(createCatalog([v1]), { registry }), [])

  // Someone edits v1.0 in place (a breaking change without a new version): only the registry knows.
  const edited = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: Ride.extend({ fare: z.string() }),
  })
  const findings = await checkCatalog(createCatalog([edited]), { registry })
  assert.equal(findings.length, 1)
  assert.equal(findings[0]!.rule, 'registry')
  assert.equal(findings[0]!.field, 'fare')
  assert.match(
    findings[0]!.message,
    /the registry refuses ride\.completed v1\.0 under subject .*: not compatible with its version 1 \(event v1\.0\): field "fare": type changed from number to string/,
  )
})

test('against the registry: a version removed before its deprecation window ends, or never deprecated', async (t) => {
  const subjects: string[] = []
  const registry = testRegistry(t, {}, () => subjects)
  const topic = rides(uniqueName('check.rides'))
  const since = new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10)
  const v10 = defineEvent({ type: 'ride.completed', version: '1.0', topic, schema: Ride, deprecated: { since } })
  const v11 = defineEvent({
    type: 'ride.completed',
    version: '1.1',
    topic,
    schema: Ride.extend({ tip: z.number().optional() }),
  })
  const rated = defineEvent({ type: 'ride.rated', version: '1.0', topic, schema: z.object({ ride_id: z.string() }) })
  const rated11 = defineEvent({ type: 'ride.rated', version: '1.1', topic, schema: z.object({ ride_id: z.string() }) })
  subjects.push(...registrySubjects([v10, rated], registry))
  for (const r of await pushSchemas(createCatalog([v10, v11, rated, rated11]), registry))
    assert.equal(r.error, undefined)

  const now = new Date()
  const findings = await checkCatalog(createCatalog([v11, rated11]), { registry, now })
  const end = new Date(Date.parse(`${since}T00:00:00Z`) + 30 * DAY).toISOString().slice(0, 10)
  assert.deepEqual(
    findings.map((f) => [f.rule, f.event, f.version, f.message]),
    [
      [
        'deprecation',
        'ride.completed',
        '1.0',
        `ride.completed v1.0 was removed before its deprecation window ends on ${end} (deprecated since ${since}): keep it in the catalog until then`,
      ],
      [
        'deprecation',
        'ride.rated',
        '1.0',
        `ride.rated v1.0 was removed from the catalog without being deprecated (the registry has it under ${subjects[1]}): restore it with deprecated: { since }, and remove it 30 days later`,
      ],
    ],
  )
  // After the window, removing the deprecated version is what should happen.
  const later = new Date(now.getTime() + 21 * DAY)
  const after = await checkCatalog(createCatalog([v11, rated11]), { registry, now: later })
  assert.deepEqual(
    after.map((f) => f.event),
    ['ride.rated'],
  )
})

test('a deprecated version still published after its window is found on its topic', async (t) => {
  const name = await createTopic(t, 'check-published', { partitions: 2 })
  const topic = defineTopic({ name, key: 'ride_id', partitions: 2 })
  const windowEnded = new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10)
  const stillRunning = new Date(Date.now() - 5 * DAY).toISOString().slice(0, 10)
  const old = defineEvent({
    type: 'ride.completed',
    version: '1.0',
    topic,
    schema: Ride,
    deprecated: { since: windowEnded },
  })
  const recent = defineEvent({
    type: 'ride.rated',
    version: '1.0',
    topic,
    schema: z.object({ ride_id: z.string() }),
    deprecated: { since: stillRunning },
  })
  const current = defineEvent({
    type: 'ride.completed',
    version: '1.1',
    topic,
    schema: Ride.extend({ tip: z.number().optional() }),
  })
  const producer = new Producer({ client: { brokers: brokers() }, service: 'check-test', logger: silentLogger() })
  t.after(() => producer.close())
  await producer.publish(current, { ride_id: 'r-0', fare: 1 })
  await producer.publish(old, { ride_id: 'r-1', fare: 2 })
  const last = await producer.publish(old, { ride_id: 'r-2', fare: 3 })
  await producer.publish(recent, { ride_id: 'r-3' })

  const client = { brokers: brokers() }
  const findings = await checkCatalog(createCatalog([old, current, recent]), {
    published: (targets) => scanPublished(client, targets),
  })
  assert.equal(findings.length, 1, JSON.stringify(findings))
  const [finding] = findings
  assert.equal(finding!.rule, 'deprecation')
  assert.equal(finding!.event, 'ride.completed')
  assert.equal(finding!.version, '1.0')
  assert.match(
    finding!.message,
    new RegExp(
      `^ride\\.completed v1\\.0 is still published after its deprecation window ended on \\d{4}-\\d{2}-\\d{2}: 2 record\\(s\\) on ${name} since`,
    ),
  )
  assert.ok(last.status === 'published')
  assert.match(finding!.message, new RegExp(`\\(partition ${last.partition}, offset ${last.offset}\\)$`))
})
