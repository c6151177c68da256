// The order flow's events on topics of one namespace. `shop` gives the catalog's own topic names
// (`shop.orders.v1`, ...); another namespace gives a private copy of the whole flow, which is how
// tests and side-by-side demos run without touching each other's topics or consumer groups.
import { createCatalog, defineEvent, defineTopic, type TopicDefinition } from 'kafkit'
import {
  InventoryReservationFailed,
  InventoryReserved,
  NotificationSent,
  ORDER_FLOW_GROUPS,
  OrderCreated,
  inventoryTopic,
  notificationsTopic,
  ordersTopic,
} from '../catalogs/orders.ts'

export const DEFAULT_NAMESPACE = 'shop'
const NAMESPACE = /^[a-zA-Z0-9_-]{1,100}$/

function topicIn(namespace: string, base: TopicDefinition<never>) {
  const name = base.name.replace(/^shop\./, `${namespace}.`)
  return defineTopic({ name, key: 'order_id', partitions: base.partitions })
}

/** The four events of the flow, their catalog and the consumer group of each service. */
export function orderFlow(namespace: string = DEFAULT_NAMESPACE) {
  if (!NAMESPACE.test(namespace)) {
    throw new Error(`order flow namespace "${namespace}" must be letters, digits, "_" or "-", e.g. shop`)
  }
  const orders = topicIn(namespace, ordersTopic)
  const inventory = topicIn(namespace, inventoryTopic)
  const notifications = topicIn(namespace, notificationsTopic)
  // The catalog's definitions, moved to this namespace's topics (same types, versions and schemas).
  const events = {
    OrderCreated: defineEvent({
      type: OrderCreated.type,
      version: OrderCreated.version,
      schema: OrderCreated.schema,
      topic: orders,
    }),
    InventoryReserved: defineEvent({
      type: InventoryReserved.type,
      version: InventoryReserved.version,
      schema: InventoryReserved.schema,
      topic: inventory,
    }),
    InventoryReservationFailed: defineEvent({
      type: InventoryReservationFailed.type,
      version: InventoryReservationFailed.version,
      schema: InventoryReservationFailed.schema,
      topic: inventory,
    }),
    NotificationSent: defineEvent({
      type: NotificationSent.type,
      version: NotificationSent.version,
      schema: NotificationSent.schema,
      topic: notifications,
    }),
  }
  const prefix = namespace === DEFAULT_NAMESPACE ? '' : `${namespace}.`
  return {
    namespace,
    ...events,
    catalog: createCatalog(Object.values(events)),
    topics: [orders.name, inventory.name, notifications.name],
    /** The seed's group ids, per service. */
    groups: {
      order: `${prefix}order-group`,
      inventory: `${prefix}${ORDER_FLOW_GROUPS.inventory}`,
      notification: `${prefix}${ORDER_FLOW_GROUPS.notification}`,
    },
  }
}

export type OrderFlow = ReturnType<typeof orderFlow>

/** The flow's four events (what a consumer of the flow's catalog handles). */
export type OrderFlowEvent =
  | OrderFlow['OrderCreated']
  | OrderFlow['InventoryReserved']
  | OrderFlow['InventoryReservationFailed']
  | OrderFlow['NotificationSent']
