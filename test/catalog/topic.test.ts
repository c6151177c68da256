import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DEFAULT_DLQ_TEMPLATE,
  DEFAULT_PARTITIONS,
  DEFAULT_RETENTION_MS,
  DEFAULT_RETRY_TEMPLATE,
  defineTopic,
  dlqTopicOf,
  renderTopicName,
} from '../../src/catalog/index.ts'
import { CatalogError, ErrorCodes } from '../../src/errors.ts'
import type { Duration } from '../../src/util/duration.ts'

const rejects = (fn: () => unknown, message: RegExp) =>
  assert.throws(
    fn,
    (err: unknown) =>
      err instanceof CatalogError && err.code === ErrorCodes.CATALOG_INVALID && message.test(err.message),
  )

test('a topic gets kafkit’s defaults', () => {
  const topic = defineTopic({ name: 'txova.rides.v1', key: 'ride_id' })
  assert.equal(topic.kind, 'topic')
  assert.equal(topic.partitions, DEFAULT_PARTITIONS)
  assert.equal(topic.retentionMs, 7 * 24 * 60 * 60 * 1000)
  assert.equal(DEFAULT_RETENTION_MS, topic.retentionMs)
  assert.equal(topic.replicationFactor, undefined, 'left to the brokers’ default.replication.factor')
  assert.equal(topic.dlqTemplate, DEFAULT_DLQ_TEMPLATE)
  assert.equal(topic.retryTemplate, DEFAULT_RETRY_TEMPLATE)
  assert.equal(topic.dlqIncludesValue, true)
  assert.equal(topic.codec, undefined)
  assert.equal(topic.keyField, 'ride_id')
  assert.ok(Object.isFrozen(topic) && Object.isFrozen(topic.config))
})

test('names are Kafka topic names', () => {
  for (const name of ['', '.', '..', 'has space', 'a/b', 'ünicode', 'x'.repeat(250)]) {
    rejects(() => defineTopic({ name }), /topic name .* is not valid/)
  }
  for (const name of ['txova.rides.v1', 'orders_v2', 'a-b', 'x'.repeat(249)]) {
    assert.equal(defineTopic({ name }).name, name)
  }
})

test('partitions and replication factor are positive integers', () => {
  for (const partitions of [0, -1, 1.5, Number.NaN]) {
    rejects(() => defineTopic({ name: 't', partitions }), /partitions must be a positive integer/)
  }
  for (const replicationFactor of [0, -3, 2.5]) {
    rejects(() => defineTopic({ name: 't', replicationFactor }), /replicationFactor must be a positive integer/)
  }
  const topic = defineTopic({ name: 't', partitions: 12, replicationFactor: 3 })
  assert.equal(topic.partitions, 12)
  assert.equal(topic.replicationFactor, 3)
})

test('retention takes milliseconds or a duration string', () => {
  const cases: [Duration, number][] = [
    ['7d', 604_800_000],
    ['12h', 43_200_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    [3_600_000, 3_600_000],
  ]
  for (const [retention, ms] of cases)
    assert.equal(defineTopic({ name: 't', retention }).retentionMs, ms, String(retention))
})

test('a retention that is not a positive duration is rejected', () => {
  for (const retention of ['7w', 'week', '-5s', '', -1, 0, '0s', Number.POSITIVE_INFINITY]) {
    rejects(() => defineTopic({ name: 't', retention: retention as never }), /retention .* is not a positive duration/)
  }
})

test('a key by field name: strings and numbers become the key; anything else is an error', () => {
  const topic = defineTopic({ name: 't', key: 'ride_id' })
  const keyOf = topic.keyOf as (payload: unknown) => string | undefined
  assert.equal(keyOf({ ride_id: 'r-1' }), 'r-1')
  assert.equal(keyOf({ ride_id: 42 }), '42')
  assert.equal(keyOf({ ride_id: undefined }), undefined)
  assert.equal(keyOf({}), undefined)
  assert.throws(() => keyOf({ ride_id: { id: 1 } }), /key field "ride_id" must be a string or number/)
})

test('a key by function, or none', () => {
  const byFunction = defineTopic({ name: 't', key: (p: { a: string; b: string }) => `${p.a}:${p.b}` })
  assert.equal(byFunction.keyOf({ a: 'x', b: 'y' }), 'x:y')
  assert.equal(byFunction.keyField, undefined)
  const unkeyed = defineTopic({ name: 't' })
  assert.equal((unkeyed.keyOf as (p: unknown) => unknown)({ anything: 1 }), undefined)
})

test('topic-name templates render {topic}, {group}, {service} and {delay}', () => {
  assert.equal(renderTopicName('{topic}.dlq', { topic: 'txova.rides.v1' }), 'txova.rides.v1.dlq')
  assert.equal(
    renderTopicName(DEFAULT_RETRY_TEMPLATE, { topic: 'txova.rides.v1', group: 'payment-service-group', delay: '30s' }),
    'txova.rides.v1.retry.payment-service-group.30s',
  )
  assert.equal(renderTopicName('{service}.{topic}.dlq', { topic: 'orders', service: 'billing' }), 'billing.orders.dlq')
})

test('a template with a missing or unknown placeholder, or giving a bad name, is an error', () => {
  rejects(() => renderTopicName('{topic}.{group}.dlq', { topic: 't' }), /needs \{group\}/)
  rejects(() => renderTopicName('{topic}.{constructor}', { topic: 't' }), /needs \{constructor\}/)
  rejects(() => renderTopicName('{topic} dlq', { topic: 't' }), /gives an invalid topic name "t dlq"/)
})

test('dlqTopicOf applies the topic’s own template', () => {
  assert.equal(dlqTopicOf(defineTopic({ name: 'txova.rides.v1' })), 'txova.rides.v1.dlq')
  const perGroup = defineTopic({ name: 'series.messages.v1', dlq: '{topic}.{group}.dlq' })
  assert.equal(dlqTopicOf(perGroup, { group: 'sendblue-messages' }), 'series.messages.v1.sendblue-messages.dlq')
})
