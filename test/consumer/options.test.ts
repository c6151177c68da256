// Consumer options are resolved and checked when the consumer is made, not when it is first used.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Consumer, type ConsumerOptions } from '../../src/consumer/index.ts'
import { ErrorCodes, KafkitError } from '../../src/errors.ts'
import { silentLogger } from '../../src/logging/index.ts'
import { happenedEvent } from './fixtures/happened.ts'

const { catalog } = happenedEvent('options.v1')

function make(options: Partial<ConsumerOptions>): Consumer {
  return new Consumer({
    client: { brokers: ['127.0.0.1:1'] },
    catalog,
    service: 'options-svc',
    logger: silentLogger(),
    ...options,
  })
}

function configError(error: unknown, path: RegExp): boolean {
  assert.ok(KafkitError.is(error), `a KafkitError, got ${String(error)}`)
  assert.equal(error.code, ErrorCodes.CONFIG_INVALID)
  assert.match(error.message, path)
  return true
}

test('a duration that does not parse fails at construction, naming the option', () => {
  assert.throws(
    () => make({ shutdownTimeout: 'soon' as never }),
    (e) => configError(e, /shutdownTimeout/),
  )
  assert.throws(
    () => make({ handlerTimeout: '3 fortnights' as never }),
    (e) => configError(e, /handlerTimeout/),
  )
  assert.throws(
    () => make({ retryTopics: ['5s', 'later' as never] }),
    (e) => configError(e, /retryTopics\[1\]/),
  )
})

test('two retry tiers with the same delay are refused at construction (they would share one topic)', () => {
  assert.throws(
    () => make({ retryTopics: ['1s', '1000ms'] }),
    (e) => configError(e, /retryTopics/),
  )
  assert.throws(
    () => make({ retryTopics: ['5s', '1m', '5s'] }),
    (e) => configError(e, /retryTopics/),
  )
})

test('counts and bounds are checked at construction', () => {
  assert.throws(
    () => make({ concurrency: 0 }),
    (e) => configError(e, /concurrency/),
  )
  assert.throws(
    () => make({ maxInFlight: -5 }),
    (e) => configError(e, /maxInFlight/),
  )
  assert.throws(
    () => make({ retry: { maxAttempts: 0 } }),
    (e) => configError(e, /retry\.maxAttempts/),
  )
  assert.throws(
    () => make({ sessionTimeout: '10s', heartbeatInterval: '20s' }),
    (e) => configError(e, /heartbeatInterval/),
  )
})

test('valid options construct a consumer without touching the network', () => {
  const consumer = make({ shutdownTimeout: '2s', retryTopics: ['1s', '1m'], handlerTimeout: 500 })
  assert.equal(consumer.group, 'options-svc-group')
})
