// inventory-service: consumes order.created, reserves stock, publishes inventory.reserved or
// inventory.reservation_failed. Idempotent: the inbox marks each handled order.created in the
// same database transaction as the stock it took, so an event delivered twice (after a crash or a
// rebalance) is acknowledged without reserving again. Publishing from the handler keeps the
// order's correlation id and makes the order event the cause of the reply.
import { newEventId } from 'kafkit'
import { createInbox } from 'kafkit/outbox'
import { openServiceDatabase } from '../shared/database.ts'
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'
import { Stock } from './stock.ts'

export const INVENTORY_SERVICE = 'inventory-service'

/** How long a reservation holds the stock before it is released unpaid. */
const RESERVATION_TTL_MS = 15 * 60_000

export interface InventoryService extends RunningService {
  /** Units of a product in stock now. */
  available(productId: string): Promise<number | undefined>
}

export async function startInventoryService(options: ServiceOptions): Promise<InventoryService> {
  const { flow, kafkit, logger } = await prepareService(INVENTORY_SERVICE, options)
  const { db, schema } = await openServiceDatabase(INVENTORY_SERVICE, flow.namespace, options.databaseUrl).catch(
    async (error: unknown) => {
      await kafkit.close()
      throw error
    },
  )
  const stock = new Stock(db, schema)
  const inbox = createInbox({ database: db, schema })
  try {
    await stock.migrate()
    await inbox.migrate()
  } catch (error) {
    await kafkit.close()
    await db.close()
    throw error
  }
  logger.info({ database: db.location, schema }, 'stock and handled events in the database')

  const consumer = kafkit.consumer({ group: options.config.consumer.group ?? flow.groups.inventory })
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

  const service = await runService({
    name: INVENTORY_SERVICE,
    config: options.config,
    kafkit,
    consumer,
    logger,
    metrics: options.metrics,
    onStop: () => db.close(),
  })
  return { ...service, available: (productId) => stock.available(productId) }
}
