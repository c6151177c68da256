// notification-service: consumes the inventory outcome, "sends" the customer an email (a log
// line here), and publishes notification.sent. The customer is the events' actor, set when the
// order was placed and carried by every event it caused.
import { notificationHandlers } from './handlers.ts'
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'

export const NOTIFICATION_SERVICE = 'notification-service'

export async function startNotificationService(options: ServiceOptions): Promise<RunningService> {
  const { flow, kafkit, logger } = await prepareService(NOTIFICATION_SERVICE, options)
  const consumer = kafkit.consumer({ group: options.config.consumer.group ?? flow.groups.notification })

  notificationHandlers(consumer, flow)

  return runService({
    name: NOTIFICATION_SERVICE,
    config: options.config,
    kafkit,
    consumer,
    logger,
    metrics: options.metrics,
  })
}
