// docs/testing.md, "A whole flow": two services with their own kafkit instances on one in-memory
// broker, as they would share a cluster.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestKafkit } from 'kafkit/testing'
import { catalog, PaymentCaptured, PaymentRequested } from './catalog.ts'
import { paymentsConsumer } from './payments.ts'

test('checkout requests a payment; payments captures it; checkout hears of it', async () => {
  const checkout = createTestKafkit({ catalog, service: 'checkout' })
  const payments = createTestKafkit({ catalog, service: 'payments', broker: checkout.broker })
  await paymentsConsumer(payments.kafkit, { capture: () => Promise.resolve('r-9') }).start()
  const paid: string[] = []
  await checkout
    .consumer({ group: 'checkout' })
    .on(PaymentCaptured, (event) => void paid.push(event.payload.order_id))
    .start()

  const requested = await checkout.publish(PaymentRequested, { order_id: 'o-9', amount: 12 })

  const captured = await checkout.waitForHandled(PaymentCaptured, { order_id: 'o-9' })
  assert.equal(captured.source, 'payments')
  assert.equal(captured.causation_id, requested.eventId)
  assert.deepEqual(paid, ['o-9'])
  await payments.close()
  await checkout.close()
})
