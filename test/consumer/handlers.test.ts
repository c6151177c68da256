// What handlers get: timeouts with an AbortSignal, subset projection, upcast payloads, middleware,
// ordering modes and awaited assignment hooks. None of it depends on the broker: the runtime runs
// on kafkit/testing's in-memory Kafka (real time), through the same producer transport and group
// member seams as on a cluster; the contract suite (test/contract) holds the two to the same behaviour.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import { z } from 'zod'
import { topicSpecsFor } from '../../src/admin/index.ts'
import { createCatalog, defineEvent, defineTopic, type AnyEvent } from '../../src/catalog/index.ts'
import { Consumer, type ConsumerOptions, type Middleware } from '../../src/consumer/index.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { Producer } from '../../src/producer/index.ts'
import { InMemoryKafka } from '../../src/testing/index.ts'
import { failureOf } from '../support/dlq.ts'
import { track, uniqueName, waitFor, defer } from '../support/kafka.ts'

function world<E extends AnyEvent>(t: TestContext, make: (topic: ReturnType<typeof topicOf>) => E[], partitions = 1) {
  const topic = topicOf(uniqueName('handlers'), partitions)
  const catalog = createCatalog(make(topic))
  const broker = new InMemoryKafka()
  for (const spec of topicSpecsFor(catalog)) broker.createTopic(spec.name, { partitions: spec.partitions })
  const client = { brokers: ['in-memory:9092'] }
  const producer = track(
    t,
    new Producer({ client, service: 'handlers-test', logger: silentLogger(), transport: broker.transport() }),
  )
  const consumer = (options: Partial<Omit<ConsumerOptions, 'catalog'>> = {}) => {
    // Definitions are looked up by type below (AnyEvent): the consumer takes any of them.
    const c = new Consumer<AnyEvent>({
      client,
      catalog: catalog,
      service: 'handlers-svc',
      group: uniqueName('handlers'),
      logger: silentLogger(),
      producer,
      groupMember: broker.members(),
      lagInterval: false,
      ...options,
    })
    defer(t, () => c.stop())
    return c
  }
  /** The first `count` records of a topic, once it has them. */
  const readTopic = async (name: string, count: number) => {
    await waitFor(() => broker.records(name).length >= count, `${count} records in ${name}`)
    return broker.records(name).map((r) => ({
      key: r.key,
      value: r.value,
      headers: new Map(r.headerEntries.map(([k, v]) => [k.toString(), v?.toString() ?? ''])),
    }))
  }
  return { topic, catalog, producer, consumer, readTopic }
}

function topicOf(name: string, partitions: number) {
  return defineTopic({ name, key: 'id', partitions })
}

test('a handler past its timeout sees its signal fire, and the attempt is retried', async (t) => {
  const { producer, consumer, catalog } = world(t, (topic) => [
    defineEvent({ type: 'job.ran', version: '1.0', topic, schema: z.object({ id: z.string() }) }),
  ])
  const Ran = catalog.latest('job.ran')!
  const seen: { attempt: number; aborted: boolean; reason?: string }[] = []
  const c = consumer({ handlerTimeout: 200, retry: { initialBackoff: 50 } })
  c.on(Ran, async (_event, ctx) => {
    if (ctx.attempt === 1) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
      seen.push({ attempt: 1, aborted: ctx.signal.aborted, reason: (ctx.signal.reason as Error).message })
      return
    }
    seen.push({ attempt: ctx.attempt, aborted: ctx.signal.aborted })
  })
  await c.start()
  await producer.publish(Ran, { id: 'slow' })
  await waitFor(() => seen.length === 2, 'the timed-out attempt and its retry')
  assert.equal(seen[0]!.aborted, true)
  assert.match(seen[0]!.reason!, /did not finish within 200 ms/)
  assert.deepEqual(seen[1], { attempt: 2, aborted: false })
})

test('subset projection hands the handler only the fields it asked for', async (t) => {
  const { producer, consumer, catalog } = world(t, (topic) => [
    defineEvent({
      type: 'message.received',
      version: '1.0',
      topic,
      schema: z.object({ id: z.string(), user_id: z.string(), content: z.string(), secret: z.string() }),
    }),
  ])
  const Received = catalog.latest('message.received')!
  const payloads: unknown[] = []
  const c = consumer()
  c.on(Received, (event) => void payloads.push(event.payload), { fields: ['payload.user_id', 'payload.content'] })
  await c.start()
  await producer.publish(Received, { id: 'm1', user_id: 'u1', content: 'hello', secret: 'token' })
  await waitFor(() => payloads.length === 1, 'the projected event')
  assert.deepEqual(payloads[0], { user_id: 'u1', content: 'hello' })
})

test('a v1 record reaches a v2 handler upcast, and the handler is told which versions it went through', async (t) => {
  const { producer, consumer, catalog } = world(t, (topic) => {
    const V1 = defineEvent({
      type: 'user.registered',
      version: '1.0',
      topic,
      schema: z.object({ id: z.string(), phone: z.string() }),
    })
    const V2 = defineEvent({
      type: 'user.registered',
      version: '2.0',
      topic,
      schema: z.object({ id: z.string(), phone: z.string(), country: z.string() }),
      upcast: { from: V1, up: (p) => ({ ...p, country: p.phone.startsWith('+258') ? 'MZ' : 'other' }) },
    })
    return [V1, V2]
  })
  const [V1, V2] = catalog.versions('user.registered') as [AnyEvent, AnyEvent]
  const got: { payload: unknown; version: string; upcastedFrom: readonly string[] }[] = []
  const c = consumer()
  c.on(
    V2,
    (event, ctx) => void got.push({ payload: event.payload, version: event.version, upcastedFrom: ctx.upcastedFrom }),
  )
  await c.start()
  await producer.publish(V1, { id: 'u1', phone: '+258840000000' })
  await producer.publish(V2, { id: 'u2', phone: '+1555', country: 'US' })
  await waitFor(() => got.length === 2, 'both versions handled')
  // Different keys: the two may be handled in either order.
  const byId = new Map(got.map((g) => [(g.payload as { id: string }).id, g]))
  assert.deepEqual(byId.get('u1'), {
    payload: { id: 'u1', phone: '+258840000000', country: 'MZ' },
    version: '1.0',
    upcastedFrom: ['1.0'],
  })
  assert.deepEqual(byId.get('u2')!.upcastedFrom, [])
})

test('middleware wraps every handler, first added outermost, and sees failures', async (t) => {
  const { producer, consumer, catalog } = world(t, (topic) => [
    defineEvent({ type: 'job.ran', version: '1.0', topic, schema: z.object({ id: z.string() }) }),
  ])
  const Ran = catalog.latest('job.ran')!
  const trail: string[] = []
  const layer =
    (name: string): Middleware =>
    (next) =>
    async (event, ctx) => {
      trail.push(`${name}>`)
      try {
        await next(event, ctx)
      } catch (error) {
        trail.push(`${name}!`)
        throw error
      } finally {
        trail.push(`<${name}`)
      }
    }
  const c = consumer({ retry: { maxAttempts: 2, initialBackoff: 20 } })
  c.use(layer('outer')).use(layer('inner'))
  c.on(Ran, (_event, ctx) => {
    trail.push(`handler#${ctx.attempt}`)
    if (ctx.attempt === 1) throw new Error('once')
  })
  await c.start()
  await producer.publish(Ran, { id: 'j1' })
  await waitFor(() => trail.filter((s) => s === '<outer').length === 2, 'two attempts through both layers')
  assert.deepEqual(trail, [
    'outer>',
    'inner>',
    'handler#1',
    'inner!',
    '<inner',
    'outer!',
    '<outer',
    'outer>',
    'inner>',
    'handler#2',
    '<inner',
    '<outer',
  ])
})

for (const [ordering, expectOverlap] of [
  ['partition', false],
  ['none', true],
] as const) {
  test(`ordering "${ordering}": handlers of one key ${expectOverlap ? 'may overlap' : 'never overlap'}`, async (t) => {
    const { producer, consumer, catalog } = world(t, (topic) => [
      defineEvent({ type: 'job.ran', version: '1.0', topic, schema: z.object({ id: z.string(), n: z.number() }) }),
    ])
    const Ran = catalog.latest('job.ran')!
    let running = 0
    let peak = 0
    let done = 0
    const c = consumer({ ordering, concurrency: 8 })
    c.on(Ran, async () => {
      peak = Math.max(peak, ++running)
      await sleep(20)
      running--
      done++
    })
    await c.start()
    await producer.publishBatch(Array.from({ length: 16 }, (_, n) => ({ event: Ran, payload: { id: 'same-key', n } })))
    await waitFor(() => done === 16, 'all handled')
    if (expectOverlap) assert.ok(peak > 1, `peak ${peak}`)
    else assert.equal(peak, 1)
  })
}

test('onAssign is awaited before any record is handled; onRevoke gets the partitions on stop', async (t) => {
  const { producer, consumer, catalog, topic } = world(
    t,
    (topic) => [defineEvent({ type: 'job.ran', version: '1.0', topic, schema: z.object({ id: z.string() }) })],
    2,
  )
  const Ran = catalog.latest('job.ran')!
  await producer.publish(Ran, { id: 'a' })
  const trail: string[] = []
  const c = consumer({
    onAssign: async (partitions) => {
      trail.push(`assign ${partitions.length}`)
      await sleep(300)
      trail.push('assign done')
    },
    onRevoke: (partitions) =>
      void trail.push(
        `revoke ${partitions
          .map((p) => `${p.topic === topic.name}:${p.partition}`)
          .sort()
          .join(',')}`,
      ),
  })
  c.on(Ran, () => void trail.push('handled'))
  await c.start()
  await waitFor(() => trail.includes('handled'), 'the record handled')
  assert.deepEqual(trail, ['assign 2', 'assign done', 'handled'])
  await c.stop()
  await waitFor(() => trail.length === 4, 'the revoke hook')
  assert.equal(trail[3], 'revoke true:0,true:1')
})

test('with onUnhandled "dlq", a known type without a handler is dead-lettered', async (t) => {
  const { producer, consumer, catalog, topic, readTopic } = world(t, (topic) => [
    defineEvent({ type: 'job.ran', version: '1.0', topic, schema: z.object({ id: z.string() }) }),
    defineEvent({ type: 'job.skipped', version: '1.0', topic, schema: z.object({ id: z.string() }) }),
  ])
  const c = consumer({ onUnhandled: 'dlq' })
  c.on(catalog.latest('job.ran')!, () => undefined)
  await c.start()
  await producer.publish(catalog.latest('job.skipped')!, { id: 'x' })
  const [dead] = await readTopic(`${topic.name}.dlq`, 1)
  assert.equal(failureOf(dead!).event_type, 'job.skipped')
})
