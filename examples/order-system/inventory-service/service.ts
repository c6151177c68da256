// inventory-service: consumes order.created, reserves stock, publishes inventory.reserved or
// inventory.reservation_failed. Publishing from the handler keeps the order's correlation id and
// makes the order event the cause of the reply.
import { newEventId } from 'kafkit'
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'
import { Stock } from './stock.ts'

export const INVENTORY_SERVICE = 'inventory-service'

/** How long a reservation holds the stock before it is released unpaid. */
const RESERVATION_TTL_MS = 15 * 60_000

export async function startInventoryService(options: ServiceOptions & { stock?: Stock }): Promise<RunningService> {
  const { flow, kafkit, logger } = await prepareService(INVENTORY_SERVICE, options)
  const stock = options.stock ?? new Stock()
  const consumer = kafkit.consumer({ group: options.config.consumer.group ?? flow.groups.inventory })

  consumer.on(flow.OrderCreated, async (event, ctx) => {
    const { order_id, items } = event.payload
    const result = stock.reserve(order_id, items, newEventId)
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

  return runService({
    name: INVENTORY_SERVICE,
    config: options.config,
    kafkit,
    consumer,
    logger,
    metrics: options.metrics,
  })
}
