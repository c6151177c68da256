// The events of the examples in docs/testing.md.
import { z } from 'zod'
import { defineEvent, defineTopic } from 'kafkit'

const payments = defineTopic({ name: 'shop.payments.v1', key: 'order_id', partitions: 3 })

export const PaymentRequested = defineEvent({
  type: 'payment.requested',
  version: '1.0',
  topic: payments,
  schema: z.object({ order_id: z.string(), amount: z.number().positive() }),
})

export const PaymentCaptured = defineEvent({
  type: 'payment.captured',
  version: '1.0',
  topic: payments,
  schema: z.object({ order_id: z.string(), amount: z.number(), receipt: z.string() }),
})

export const catalog = [PaymentRequested, PaymentCaptured]
