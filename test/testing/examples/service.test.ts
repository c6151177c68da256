// docs/testing.md, "A service": the service's real consumer (retries, retry topics, DLQ) on the
// in-memory Kafka. The one-minute and ten-minute retry topics pass in virtual time.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestKafkit } from 'kafkit/testing'
import { catalog, PaymentCaptured, PaymentRequested } from './catalog.ts'
import { paymentsConsumer } from './payments.ts'

test('a requested payment is captured', async () => {
  const kit = createTestKafkit({ catalog })
  await paymentsConsumer(kit.kafkit, { capture: () => Promise.resolve('r-1') }).start()

  await kit.publish(PaymentRequested, { order_id: 'o-1', amount: 30 })

  await kit.waitForHandled(PaymentRequested, { order_id: 'o-1' })
  kit.expectPublished(PaymentCaptured, { order_id: 'o-1', amount: 30, receipt: 'r-1' })
  await kit.close()
})

test('a gateway that keeps failing: retried, then through both retry topics, then the DLQ', async () => {
  const kit = createTestKafkit({ catalog })
  let calls = 0
  const gateway = {
    capture: () => {
      calls++
      return Promise.reject(new Error('gateway unavailable'))
    },
  }
  await paymentsConsumer(kit.kafkit, gateway).start()

  await kit.publish(PaymentRequested, { order_id: 'o-3', amount: 30 })

  await kit.waitFor(() => kit.deadLetters(PaymentRequested).length === 1)
  const [failure] = kit.deadLetters(PaymentRequested)
  assert.equal(failure!.record.error_message, 'gateway unavailable')
  assert.equal(failure!.record.attempt_count, 5) // 3 in process, then one per retry topic
  assert.equal(calls, 5)
  kit.expectNotPublished(PaymentCaptured, { order_id: 'o-3' })
  await kit.close()
})
