// docs/testing.md, "A handler": one handler called directly, with a context from the kit.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTestKafkit } from 'kafkit/testing'
import { catalog, PaymentCaptured, PaymentRequested } from './catalog.ts'
import { capturePayment } from './payments.ts'

test('a captured payment is published with its receipt, in the request’s correlation', async () => {
  const kit = createTestKafkit({ catalog })
  const handler = capturePayment({ capture: () => Promise.resolve('r-1') })

  const { event, ctx } = kit.handlerContext(PaymentRequested, { order_id: 'o-1', amount: 30 }, { correlationId: 'c-1' })
  await handler(event, ctx)

  const captured = kit.expectPublished(PaymentCaptured, { order_id: 'o-1', receipt: 'r-1' })
  assert.equal(captured.event.correlation_id, 'c-1')
  await kit.close()
})

test('a payment over the limit is refused without retrying', async () => {
  const kit = createTestKafkit({ catalog })
  const handler = capturePayment({ capture: () => Promise.resolve('never') })
  const { event, ctx } = kit.handlerContext(PaymentRequested, { order_id: 'o-2', amount: 50_000 })
  await assert.rejects(handler(event, ctx), { code: 'KAFKIT_NON_RETRYABLE' })
  kit.expectNotPublished(PaymentCaptured, { order_id: 'o-2' })
  await kit.close()
})
