// order-service: the HTTP API that takes orders, and a consumer that follows each order through
// the flow (reserved or rejected by inventory, then notified) to answer GET with its status. Orders
// and their order.created events are written in one transaction (the outbox); a relay in the same
// process publishes the events.
import { createOutbox } from 'kafkit/outbox'
import { openServiceDatabase } from '../shared/database.ts'
import { prepareService, runService, type RunningService, type ServiceOptions } from '../shared/service.ts'
import { orderRoutes } from './api.ts'
import { orderHandlers } from './handlers.ts'
import { OrderStore, type Order } from './store.ts'

export const ORDER_SERVICE = 'order-service'

export interface OrderService extends RunningService {
  /** An order as stored. */
  order(orderId: string): Promise<Order | undefined>
}

export async function startOrderService(options: ServiceOptions): Promise<OrderService> {
  const { flow, kafkit, logger } = await prepareService(ORDER_SERVICE, options)
  const { db, schema } = await openServiceDatabase(ORDER_SERVICE, flow.namespace, options.databaseUrl).catch(
    async (error: unknown) => {
      await kafkit.close()
      throw error
    },
  )
  const store = new OrderStore(db, schema)
  const outbox = createOutbox({ database: db, service: ORDER_SERVICE, client: kafkit.client, schema })
  const relay = outbox.relay({ logger })
  try {
    await store.migrate()
    await outbox.migrate()
    await relay.start()
  } catch (error) {
    await kafkit.close()
    await db.close()
    throw error
  }
  logger.info({ database: db.location, schema }, 'orders and their events in the database')

  const consumer = kafkit.consumer({ group: options.config.consumer.group ?? flow.groups.order })
  orderHandlers(consumer, { flow, store, logger })

  const service = await runService({
    name: ORDER_SERVICE,
    config: options.config,
    kafkit,
    consumer,
    logger,
    routes: orderRoutes({ db, outbox, flow, store, logger }),
    metrics: options.metrics,
    checks: () => ({ relay: relay.state }),
    onStop: async () => {
      // The relay sends what is committed before it stops (a batch in progress finishes).
      await relay.stop()
      await db.close()
    },
  })
  return { ...service, order: (orderId) => store.get(orderId) }
}
