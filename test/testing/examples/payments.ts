// The service under test: captures a requested payment with a card gateway and says so.
import { NonRetryableError, type ConsumedEvent, type HandlerContext, type Kafkit } from 'kafkit'
import { PaymentCaptured, PaymentRequested } from './catalog.ts'

export interface Gateway {
  capture(orderId: string, amount: number): Promise<string>
}

export function capturePayment(gateway: Gateway) {
  return async (event: ConsumedEvent<{ order_id: string; amount: number }>, ctx: HandlerContext) => {
    const { order_id, amount } = event.payload
    if (amount > 10_000) throw new NonRetryableError(`payment of ${amount} needs a manual review`)
    const receipt = await gateway.capture(order_id, amount)
    await ctx.publish(PaymentCaptured, { order_id, amount, receipt })
  }
}

/** The payments service's consumer: what main.ts starts in production. */
export function paymentsConsumer(kafkit: Kafkit<typeof PaymentRequested | typeof PaymentCaptured>, gateway: Gateway) {
  return kafkit
    .consumer({ group: 'payments', retry: { maxAttempts: 3 }, retryTopics: ['1m', '10m'] })
    .on(PaymentRequested, capturePayment(gateway))
}
