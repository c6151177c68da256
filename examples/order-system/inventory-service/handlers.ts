// The inventory service's handler: reserves the stock an order.created asks for and publishes the
// outcome. Idempotent: the inbox marks each handled order.created in the same database transaction
// as the stock it took, so an event delivered twice is acknowledged without reserving again.
// Publishing from the handler keeps the order's correlation id and makes the order event the cause.
import { newEventId, type Consumer } from 'kafkit'
import type { Inbox } from 'kafkit/outbox'
import type { OrderFlow, OrderFlowEvent } from '../flow.ts'
import type { Stock } from './stock.ts'

/** How long a reservation holds the stock before it is released unpaid. */
export const RESERVATION_TTL_MS = 15 * 60_000

export function inventoryHandlers<Tx>(
  consumer: Consumer<OrderFlowEvent>,
  { flow, stock, inbox }: { flow: OrderFlow; stock: Stock<Tx>; inbox: Inbox<Tx> },
): void {
  consumer.use(inbox.middleware())
  consumer.on(flow.OrderCreated, async (event, ctx) => {
    const { order_id, items } = event.payload
    const result = await stock.reserve(inbox.transaction(ctx), items, newEventId)
    if (result.ok) {
      await ctx.publish(flow.InventoryReserved, {
        order_id,
        reservation_id: result.reservationId,
        items: result.items,
        expires_at: new Date(Date.now() + RESERVATION_TTL_MS).toISOString(),
      })
      ctx.logger.info({ orderId: order_id, reservationId: result.reservationId }, 'stock reserved')
    } else {
      await ctx.publish(flow.InventoryReservationFailed, {
        order_id,
        reason: result.reason,
        missing_items: result.missing,
      })
      ctx.logger.info({ orderId: order_id, reason: result.reason, missing: result.missing }, 'stock not reserved')
    }
  })
}
