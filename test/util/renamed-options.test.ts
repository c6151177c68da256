// Durations are options without a unit in their name, taking a Duration (ms, or "500ms", "30s", "5m").
// The former names with `Ms` still work, with one deprecation warning each, and mean the same thing;
// both names at once is a ConfigError. (CHANGELOG.md lists every rename.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import {
  ConfigError,
  Producer,
  createCatalog,
  createKafkit,
  defineEvent,
  defineTopic,
  loadConfig,
  silentLogger,
} from 'kafkit'
import { createTestKafkit } from 'kafkit/testing'
import { clientTimeouts } from '../../src/config/client.ts'
import { resolveConsoleOptions } from '../../src/console/options.ts'
import { resolveConsumerOptions } from '../../src/consumer/options.ts'
import { Router } from '../../src/consumer/router.ts'
import { resolveProducerOptions } from '../../src/producer/options.ts'
import { SchemaRegistry } from '../../src/registry/client.ts'
import { timeoutOf } from '../../src/util/timeout.ts'
import { deprecationsDuring } from '../support/deprecations.ts'

const topic = defineTopic({ name: 'renamed.orders', key: 'id' })
const Placed = defineEvent({ type: 'order.placed', version: '1.0', topic, schema: z.object({ id: z.string() }) })
const client = { brokers: ['127.0.0.1:9092'] }

test('producer: linger, deliveryTimeout, retryBackoff(Max), closeTimeout take durations; the Ms names still work', async () => {
  const current = resolveProducerOptions({
    client,
    service: 's',
    linger: '20ms',
    deliveryTimeout: '45s',
    retryBackoff: 50,
    retryBackoffMax: '2s',
    closeTimeout: '1m',
  })
  let former: ReturnType<typeof resolveProducerOptions> | undefined
  const warnings = await deprecationsDuring(() => {
    former = resolveProducerOptions({
      client,
      service: 's',
      lingerMs: 20,
      deliveryTimeoutMs: 45_000,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 2000,
      closeTimeoutMs: 60_000,
    })
  })
  for (const o of [current, former!]) {
    assert.deepEqual(
      [o.lingerMs, o.deliveryTimeoutMs, o.retryBackoffMs, o.retryBackoffMaxMs, o.closeTimeoutMs],
      [20, 45_000, 50, 2000, 60_000],
    )
  }
  assert.deepEqual(warnings.sort(), [
    'producer option closeTimeoutMs is deprecated: use closeTimeout',
    'producer option deliveryTimeoutMs is deprecated: use deliveryTimeout',
    'producer option lingerMs is deprecated: use linger',
    'producer option retryBackoffMaxMs is deprecated: use retryBackoffMax',
    'producer option retryBackoffMs is deprecated: use retryBackoff',
  ])
  assert.throws(
    () => new Producer({ client, service: 's', logger: silentLogger(), linger: 5, lingerMs: 5 }),
    (error: ConfigError) =>
      error instanceof ConfigError && /lingerMs and linger are the same option; give linger only/.test(error.message),
  )
  assert.throws(
    () => new Producer({ client, service: 's', logger: silentLogger(), deliveryTimeout: 'soon' as '1s' }),
    /deliveryTimeout: "soon" is not a duration/,
  )
})

test('publish: deliveryTimeout per publish; deadlineMs still works', async () => {
  const kit = createTestKafkit({ catalog: [Placed] })
  try {
    const warnings = await deprecationsDuring(async () => {
      assert.equal((await kit.publish(Placed, { id: 'a' }, { deliveryTimeout: '5s' })).status, 'published')
      assert.equal((await kit.publish(Placed, { id: 'b' }, { deadlineMs: 5000 })).status, 'published')
    })
    assert.deepEqual(warnings, ['publish option deadlineMs is deprecated: use deliveryTimeout'])
    await assert.rejects(kit.publish(Placed, { id: 'c' }, { deliveryTimeout: 0 }), (error: ConfigError) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, /deliveryTimeout "0" is not a positive duration/)
      return true
    })
  } finally {
    await kit.close()
  }
})

test('client: connectTimeout and requestTimeout take durations; the Ms names still work', async () => {
  assert.deepEqual(clientTimeouts({ ...client, connectTimeout: '3s', requestTimeout: 9000 }), {
    connectMs: 3000,
    requestMs: 9000,
  })
  const warnings = await deprecationsDuring(() => {
    assert.deepEqual(clientTimeouts({ ...client, connectTimeoutMs: 3000, requestTimeoutMs: 9000 }), {
      connectMs: 3000,
      requestMs: 9000,
    })
  })
  assert.deepEqual(warnings.sort(), [
    'client option connectTimeoutMs is deprecated: use connectTimeout',
    'client option requestTimeoutMs is deprecated: use requestTimeout',
  ])
  assert.throws(() => clientTimeouts({ ...client, connectTimeout: 'later' as '1s' }), ConfigError)
})

test("consumer: a retry policy's initialBackoff and maxBackoff, a handler's timeout; the Ms names still work", async () => {
  const base = { client, catalog: createCatalog([Placed]), service: 's' }
  const current = resolveConsumerOptions({ ...base, retry: { initialBackoff: '1s', maxBackoff: '1m' } })
  const router = new Router(createCatalog([Placed]))
  const handler = () => undefined
  assert.equal(router.add(Placed, handler, { timeout: '2s' }).timeoutMs, 2000)
  let former: ReturnType<typeof resolveConsumerOptions> | undefined
  const warnings = await deprecationsDuring(() => {
    former = resolveConsumerOptions({ ...base, retry: { initialBackoffMs: 1000, maxBackoffMs: 60_000 } })
    assert.equal(router.add(Placed, handler, { timeoutMs: 2000 }).timeoutMs, 2000)
  })
  for (const o of [current, former!]) {
    assert.deepEqual(o.retry, { maxAttempts: 3, initialBackoffMs: 1000, maxBackoffMs: 60_000, multiplier: 2 })
  }
  assert.deepEqual(warnings.sort(), [
    'handler option timeoutMs is deprecated: use timeout',
    'retry option initialBackoffMs is deprecated: use initialBackoff',
    'retry option maxBackoffMs is deprecated: use maxBackoff',
  ])
  assert.throws(() => router.add(Placed, handler, { retry: { maxBackoff: 'often' as '1s' } }), /retry\.maxBackoff/)
})

test('schema registry: requestTimeout, retryBackoff, retryBackoffMax; the Ms names still work', async () => {
  const url = 'http://127.0.0.1:18081'
  new SchemaRegistry({ url, requestTimeout: '5s', retryBackoff: 100, retryBackoffMax: '1s' }).close()
  const warnings = await deprecationsDuring(() => {
    new SchemaRegistry({ url, requestTimeoutMs: 5000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 }).close()
  })
  assert.deepEqual(warnings.sort(), [
    'schema registry option requestTimeoutMs is deprecated: use requestTimeout',
    'schema registry option retryBackoffMaxMs is deprecated: use retryBackoffMax',
    'schema registry option retryBackoffMs is deprecated: use retryBackoff',
  ])
  assert.throws(() => new SchemaRegistry({ url, requestTimeout: 'never' as '1s' }), /requestTimeout/)
})

test('console: refreshInterval and history; the Ms names still work', async () => {
  const current = resolveConsoleOptions({ client, refreshInterval: '2s', history: '30m' })
  let former: ReturnType<typeof resolveConsoleOptions> | undefined
  const warnings = await deprecationsDuring(() => {
    former = resolveConsoleOptions({ client, refreshMs: 2000, historyMs: 1_800_000 })
  })
  for (const o of [current, former!]) assert.deepEqual([o.refreshMs, o.historyMs], [2000, 1_800_000])
  assert.deepEqual(warnings.sort(), [
    'console option historyMs is deprecated: use history',
    'console option refreshMs is deprecated: use refreshInterval',
  ])
})

test("a call's timeout (ensureTopics, checkConnection, readDeadLetters, scanPublished, waits): timeoutMs still works", async () => {
  assert.equal(timeoutOf({ timeout: '2m' }, 30_000, 'ensureTopics'), 120_000)
  assert.equal(timeoutOf({}, 30_000, 'ensureTopics'), 30_000)
  const warnings = await deprecationsDuring(() => {
    assert.equal(timeoutOf({ timeoutMs: 120_000 }, 30_000, 'ensureTopics'), 120_000)
  })
  assert.deepEqual(warnings, ['ensureTopics option timeoutMs is deprecated: use timeout'])
  assert.throws(() => timeoutOf({ timeout: -1 }, 30_000, 'checkConnection'), /checkConnection: timeout "-1"/)
})

test("createKafkit: a former option name in code wins over the config's or the defaults' new name", async () => {
  const config = loadConfig({ argv: [], env: {} })
  assert.equal(config.producer.linger, '5ms')
  const kafkit = createKafkit({
    service: 's',
    catalog: [Placed],
    config,
    producer: { lingerMs: 0 },
    consumer: { retry: { initialBackoff: '1s' } },
  })
  try {
    // Last in this file: each former name has warned already (once per process), above.
    const warnings = await deprecationsDuring(() => kafkit.consumer({ retry: { initialBackoffMs: 10 } }))
    assert.deepEqual(warnings, [])
    assert.ok(kafkit.producer, 'the producer is made: lingerMs and the config linger are not both given')
  } finally {
    await kafkit.close()
  }
})
