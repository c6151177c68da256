// The order service's handlers: follow each order through the flow (reserved or rejected by
// inventory, then notified), so that GET answers with its status.
import type { Consumer, Logger } from 'kafkit'
import type { OrderFlow, OrderFlowEvent } from '../flow.ts'
import type { OrderStore } from './store.ts'

export function orderHandlers<Tx>(
  consumer: Consumer<OrderFlowEvent>,
  { flow, store, logger }: { flow: OrderFlow; store: OrderStore<Tx>; logger: Logger },
): void {
  const unknown = (orderId: string) => logger.debug({ orderId }, 'event of an order this service does not hold')
  consumer.on(flow.InventoryReserved, async (event) => {
    if (!(await store.apply(event.payload.order_id, event, { status: 'reserved' }))) unknown(event.payload.order_id)
  })
  consumer.on(flow.InventoryReservationFailed, async (event) => {
    const reason = event.payload.reason
    if (!(await store.apply(event.payload.order_id, event, { status: 'rejected', reason })))
      unknown(event.payload.order_id)
  })
  consumer.on(flow.NotificationSent, async (event) => {
    // A confirmation ends the happy path; a failure notice leaves the order rejected.
    const update =
      event.payload.template === 'order_confirmed'
        ? { status: 'notified' as const, notified: true }
        : { notified: true }
    if (!(await store.apply(event.payload.order_id, event, update))) unknown(event.payload.order_id)
  })
}
