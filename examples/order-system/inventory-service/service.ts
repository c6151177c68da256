// inventory-service: consumes order.created, reserves stock, publishes inventory.reserved or
// inventory.reservation_failed. Idempotent: the inbox marks each handled order.created in the
// same database transaction as the stock it took, so an event delivered twice (after a crash or a
// rebalance) is acknowledged without reserving again. Publishing from the handler keeps the
// order's correlation id and makes the order event the cause of the reply.
import { createInbox } from 'kafkit/outbox'
import { openServiceDatabase } from '../shared/database.ts'
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'
import { inventoryHandlers } from './handlers.ts'
import { Stock } from './stock.ts'

export const INVENTORY_SERVICE = 'inventory-service'

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
  inventoryHandlers(consumer, { flow, stock, inbox })

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
