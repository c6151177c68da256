// order-service: the HTTP API that takes orders, and a consumer that follows each order through
// the flow (reserved or rejected by inventory, then notified) to answer GET with its status.
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'
import { orderRoutes } from './api.ts'
import { OrderStore, type Order } from './store.ts'

export const ORDER_SERVICE = 'order-service'

export interface OrderService extends RunningService {
  /** The orders this instance took (in memory). */
  order(orderId: string): Order | undefined
}

export async function startOrderService(options: ServiceOptions): Promise<OrderService> {
  const { flow, kafkit, logger } = await prepareService(ORDER_SERVICE, options)
  const store = new OrderStore()
  const consumer = kafkit.consumer({ group: options.config.consumer.group ?? flow.groups.order })
  const unknown = (orderId: string) => logger.debug({ orderId }, 'event of an order this instance does not hold')

  consumer.on(flow.InventoryReserved, (event) => {
    if (!store.apply(event.payload.order_id, event, { status: 'reserved' })) unknown(event.payload.order_id)
  })
  consumer.on(flow.InventoryReservationFailed, (event) => {
    const reason = event.payload.reason
    if (!store.apply(event.payload.order_id, event, { status: 'rejected', reason })) unknown(event.payload.order_id)
  })
  consumer.on(flow.NotificationSent, (event) => {
    // A confirmation ends the happy path; a failure notice leaves the order rejected.
    const update =
      event.payload.template === 'order_confirmed'
        ? { status: 'notified' as const, notified: true }
        : { notified: true }
    if (!store.apply(event.payload.order_id, event, update)) unknown(event.payload.order_id)
  })

  const service = await runService({
    name: ORDER_SERVICE,
    config: options.config,
    kafkit,
    consumer,
    logger,
    routes: orderRoutes({ kafkit, flow, store, logger }),
    metrics: options.metrics,
  })
  return { ...service, order: (orderId) => store.get(orderId) }
}
