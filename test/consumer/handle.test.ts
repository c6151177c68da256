// An asynchronous attempt is a thenable (handle.ts's Pending), not a promise: it calls whoever waits
// for it once the attempt is over, whether they came before or after, however many they are, and,
// when the attempt is interrupted (a timeout, shutdown), on a microtask rather than inside interrupt().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from 'kafkit'
import { runHandler, type AttemptOf, type HandlerRun } from '../../src/consumer/handle.ts'
import type { FetchedRecord } from '../../src/consumer/member.ts'
import { Router, type RouteMatch } from '../../src/consumer/router.ts'
import type { Handler } from '../../src/consumer/types.ts'
import { createEnvelope, jsonCodec } from '../../src/envelope/index.ts'
import { testPipeline } from '../support/pipeline.ts'

const topic = defineTopic({ name: 'attempts.v1', key: 'id' })
const Ping = defineEvent({ type: 'ping.sent', version: '1.0', topic, schema: z.object({ id: z.string() }) })

function setup(handler: Handler) {
  const router = new Router(createCatalog([Ping]))
  router.add(Ping, handler, {})
  const pipeline = testPipeline(router, { handlerTimeoutMs: undefined })
  const envelope = createEnvelope({ type: 'ping.sent', version: '1.0', source: 't', payload: { id: 'p' } })
  const record: FetchedRecord = {
    topic: topic.name,
    partition: 0,
    offset: 1n,
    key: Buffer.from('p'),
    value: jsonCodec.encode(envelope).value,
    headerEntries: [],
    timestamp: BigInt(Date.now()),
    leaderEpoch: 0,
  }
  const of: AttemptOf = {
    record,
    facts: {
      topic: topic.name,
      partition: 0,
      offset: 1n,
      key: 'p',
      timestamp: new Date(),
      headers: new Map(),
      group: 'g',
      tier: -1,
    },
    trace: undefined,
    running: undefined,
  }
  const routing = router.route('ping.sent', '1.0')
  assert.equal(routing.kind, 'routes')
  const match: RouteMatch = routing.matches[0]!
  return { pipeline, of, match, envelope }
}

/** What each waiter heard, in order. */
function waiter(heard: string[], name: string) {
  return [
    (value: unknown) => heard.push(`${name} ok ${String(value)}`),
    (error: unknown) => heard.push(`${name} failed ${(error as Error).message}`),
  ] as const
}

test('an attempt calls every waiter once, those that came after it ended too', async () => {
  const { pipeline, of, match, envelope } = setup(async () => {})
  const after = (_of: AttemptOf, _m: RouteMatch, error: unknown) => (error === undefined ? 'done' : 'failed')
  const pending = runHandler(pipeline, of, match, envelope, 1, after)
  assert.ok(pending)
  const heard: string[] = []
  pending.then(...waiter(heard, 'a'))
  pending.then(...waiter(heard, 'b'))
  assert.equal(await (pending as unknown as PromiseLike<unknown>), 'done', 'await takes it as a promise')
  assert.deepEqual(heard, ['a ok done', 'b ok done'])
  pending.then(...waiter(heard, 'late'))
  assert.deepEqual(heard.length, 2, 'a late waiter is called on a microtask, not at once')
  await Promise.resolve()
  assert.deepEqual(heard, ['a ok done', 'b ok done', 'late ok done'])
})

test('what the attempt ends with is adopted when a promise, and a throw rejects', async () => {
  const { pipeline, of, match, envelope } = setup(async () => {})
  const heard: string[] = []
  const adopted = runHandler(pipeline, of, match, envelope, 1, () => Promise.resolve('written away'))!
  adopted.then(...waiter(heard, 'a'))
  const thrown = runHandler(pipeline, of, match, envelope, 1, () => {
    throw new Error('after threw')
  })!
  thrown.then(...waiter(heard, 't'))
  await Promise.allSettled([adopted, thrown] as unknown as PromiseLike<unknown>[])
  assert.deepEqual(heard.sort(), ['a ok written away', 't failed after threw'])
})

test('an interrupted attempt ends with the reason, its waiter called on a microtask, not inside interrupt()', async () => {
  let signal: AbortSignal | undefined
  const { pipeline, of, match, envelope } = setup((_event, ctx) => {
    signal = ctx.signal
    return new Promise(() => {}) // never settles
  })
  const after = (_of: AttemptOf, _m: RouteMatch, error: unknown) => `ended: ${(error as Error).message}`
  const pending = runHandler(pipeline, of, match, envelope, 1, after)!
  const heard: string[] = []
  pending.then(...waiter(heard, 'pool'))
  const running: HandlerRun | undefined = of.running
  assert.ok(running, 'the attempt is the record’s running one')
  running.interrupt(new Error('timed out'))
  assert.deepEqual(heard, [], 'not called inside interrupt()')
  assert.equal(signal?.aborted, true)
  assert.equal(of.running, undefined)
  await Promise.resolve()
  assert.deepEqual(heard, ['pool ok ended: timed out'])
  running.interrupt(new Error('again'))
  await Promise.resolve()
  assert.deepEqual(heard, ['pool ok ended: timed out'], 'an attempt ends once')
})
