// notification-service: consumes the inventory outcome, "sends" the customer an email (a log
// line here), and publishes notification.sent. The customer is the events' actor, set when the
// order was placed and carried by every event it caused.
import { NonRetryableError, newEventId, type ConsumedEvent, type HandlerContext } from 'kafkit'
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'

export const NOTIFICATION_SERVICE = 'notification-service'

function customerOf(event: ConsumedEvent): string {
  // Without an actor nobody can be told: retrying will not help, so the event goes to the DLQ.
  if (!event.actor?.id) throw new NonRetryableError(`${event.type} ${event.id} has no actor: no customer to notify`)
  return event.actor.id
}

export async function startNotificationService(options: ServiceOptions): Promise<RunningService> {
  const { flow, kafkit, logger } = await prepareService(NOTIFICATION_SERVICE, options)
  const consumer = kafkit.consumer({ group: options.config.consumer.group ?? flow.groups.notification })

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

  return runService({
    name: NOTIFICATION_SERVICE,
    config: options.config,
    kafkit,
    consumer,
    logger,
    metrics: options.metrics,
  })
}
