// The order flow of seeds/go-event-driven-architecture.md: the order service publishes
// order.created; the inventory service reserves stock and publishes inventory.reserved (or, which
// the seed leaves out, inventory.reservation_failed); the notification service tells the customer
// and publishes notification.sent.
//
// The seed names its topics after event types (`order.created`, `inventory.reserved`); here they
// follow kafkit's `{namespace}.{domain}.v{n}` so that a domain's events share one ordered stream.
// Every topic is keyed by order id, so one order's events are handled in order by each service.
import { z } from 'zod'
import { createCatalog, defineEvent, defineTopic } from 'kafkit'
import type { ServiceMap } from 'kafkit/schema'
import { orderTotal } from './money.ts'

export const ordersTopic = defineTopic({ name: 'shop.orders.v1', key: 'order_id', partitions: 6 })
export const inventoryTopic = defineTopic({ name: 'shop.inventory.v1', key: 'order_id', partitions: 6 })
export const notificationsTopic = defineTopic({ name: 'shop.notifications.v1', key: 'order_id', partitions: 3 })

/** The seed's group ids (APP_KAFKA_GROUP_ID, e.g. "inventory-group"). */
export const ORDER_FLOW_GROUPS = { inventory: 'inventory-group', notification: 'notification-group' } as const

const Id = z.string().min(1)

export const OrderItem = z.object({
  product_id: Id,
  quantity: z.number().int().positive(),
  /** Unit price. */
  price: z.number().nonnegative(),
})

export const OrderCreated = defineEvent({
  type: 'order.created',
  version: '1.0',
  topic: ordersTopic,
  schema: z
    .object({
      order_id: Id,
      customer_id: Id,
      items: z.array(OrderItem).min(1),
      total: z.number().nonnegative(),
    })
    // Compared with the exact sum: 2 × 99.99 + 149.99 is not 349.97 in floating point, and
    // rounding prices to cents would make 3 × 0.005 cost 0.03.
    .refine((o) => o.total === orderTotal(o.items), {
      path: ['total'],
      message: 'must equal the sum of quantity × price over the items',
    }),
})

export const InventoryReserved = defineEvent({
  type: 'inventory.reserved',
  version: '1.0',
  topic: inventoryTopic,
  schema: z.object({
    order_id: Id,
    reservation_id: Id,
    items: z.array(z.object({ product_id: Id, quantity: z.number().int().positive() })).min(1),
    /** When unpaid reservations are released. */
    expires_at: z.iso.datetime(),
  }),
})

/** Published instead of inventory.reserved, so the order can be failed and the customer told. */
export const InventoryReservationFailed = defineEvent({
  type: 'inventory.reservation_failed',
  version: '1.0',
  topic: inventoryTopic,
  schema: z.object({
    order_id: Id,
    reason: z.enum(['insufficient_stock', 'unknown_product']),
    missing_items: z
      .array(
        z.object({
          product_id: Id,
          requested: z.number().int().positive(),
          available: z.number().int().nonnegative(),
        }),
      )
      .min(1),
  }),
})

export const NotificationSent = defineEvent({
  type: 'notification.sent',
  version: '1.0',
  topic: notificationsTopic,
  schema: z.object({
    notification_id: Id,
    order_id: Id,
    customer_id: Id,
    channel: z.enum(['email', 'sms', 'push']),
    template: z.enum(['order_confirmed', 'order_failed']),
  }),
})

export const ordersCatalog = createCatalog([
  OrderCreated,
  InventoryReserved,
  InventoryReservationFailed,
  NotificationSent,
])

/** The order system's services (examples/order-system): the AsyncAPI document's operations. */
export const ordersServices: ServiceMap = {
  'order-service': {
    publishes: [OrderCreated],
    consumes: [inventoryTopic, notificationsTopic],
    group: 'order-group',
  },
  'inventory-service': {
    publishes: [InventoryReserved, InventoryReservationFailed],
    consumes: [ordersTopic],
    group: ORDER_FLOW_GROUPS.inventory,
  },
  'notification-service': {
    publishes: [NotificationSent],
    consumes: [inventoryTopic],
    group: ORDER_FLOW_GROUPS.notification,
  },
}
