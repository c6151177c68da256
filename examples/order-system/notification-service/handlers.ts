// The notification service's handlers: tell the customer the inventory outcome (a log line here)
// and publish notification.sent. The customer is the events' actor, set when the order was placed
// and carried by every event it caused.
import { NonRetryableError, newEventId, type ConsumedEvent, type Consumer, type HandlerContext } from 'kafkit'
import type { OrderFlow, OrderFlowEvent } from '../flow.ts'

function customerOf(event: ConsumedEvent): string {
  // Without an actor nobody can be told: retrying will not help, so the event goes to the DLQ.
  if (!event.actor?.id) throw new NonRetryableError(`${event.type} ${event.id} has no actor: no customer to notify`)
  return event.actor.id
}

export function notificationHandlers(consumer: Consumer<OrderFlowEvent>, flow: OrderFlow): void {
  // Deliveries are at least once: the same outcome may come twice, the customer hears once.
  const sent = new Map<string, string>()
  const notify = async (
    event: ConsumedEvent<{ order_id: string }>,
    ctx: HandlerContext,
    template: 'order_confirmed' | 'order_failed',
  ) => {
    const customerId = customerOf(event)
    const key = `${event.payload.order_id}:${template}`
    let notificationId = sent.get(key)
    if (notificationId === undefined) {
      notificationId = newEventId()
      sent.set(key, notificationId)
      ctx.logger.info(
        { orderId: event.payload.order_id, customerId, channel: 'email', template, notificationId },
        'notification sent',
      )
    }
    await ctx.publish(flow.NotificationSent, {
      notification_id: notificationId,
      order_id: event.payload.order_id,
      customer_id: customerId,
      channel: 'email',
      template,
    })
  }
  consumer.on(flow.InventoryReserved, (event, ctx) => notify(event, ctx, 'order_confirmed'))
  consumer.on(flow.InventoryReservationFailed, (event, ctx) => notify(event, ctx, 'order_failed'))
}
