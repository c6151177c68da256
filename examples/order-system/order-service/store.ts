// Orders and their status, in memory: enough for an example, lost on restart (a real service keeps
// them in a database and updates them from the same events). Status only moves forward, because
// the inventory and notification topics are consumed independently and may arrive in either order.

export type OrderStatus = 'pending' | 'reserved' | 'rejected' | 'notified'

const RANK: Record<OrderStatus, number> = { pending: 0, reserved: 1, rejected: 1, notified: 2 }

export interface OrderItem {
  product_id: string
  quantity: number
  price: number
}

export interface HistoryEntry {
  event_type: string
  event_id: string
  status: OrderStatus
  at: string
}

export interface Order {
  order_id: string
  customer_id: string
  items: OrderItem[]
  total: number
  status: OrderStatus
  /** Why the order was rejected. */
  reason?: string
  /** Whether the customer was told the outcome (confirmed or failed). */
  customer_notified: boolean
  correlation_id: string
  created_at: string
  updated_at: string
  history: HistoryEntry[]
}

export class OrderStore {
  readonly #orders = new Map<string, Order>()

  add(order: Omit<Order, 'status' | 'customer_notified' | 'created_at' | 'updated_at' | 'history'>): Order {
    const now = new Date().toISOString()
    const stored: Order = {
      ...order,
      status: 'pending',
      customer_notified: false,
      created_at: now,
      updated_at: now,
      history: [],
    }
    this.#orders.set(order.order_id, stored)
    return stored
  }

  get(orderId: string): Order | undefined {
    return this.#orders.get(orderId)
  }

  delete(orderId: string): void {
    this.#orders.delete(orderId)
  }

  /**
   * Records an event of the order and moves its status forward (never back). Returns false for
   * orders this instance does not know (placed before a restart, or by another instance).
   */
  apply(
    orderId: string,
    event: { type: string; id: string },
    update: { status?: OrderStatus; reason?: string; notified?: boolean },
  ): boolean {
    const order = this.#orders.get(orderId)
    if (!order) return false
    // At-least-once delivery: the same event may come twice.
    if (order.history.some((h) => h.event_id === event.id)) return true
    if (update.status && RANK[update.status] > RANK[order.status]) order.status = update.status
    if (update.reason) order.reason = update.reason
    if (update.notified) order.customer_notified = true
    order.updated_at = new Date().toISOString()
    order.history.push({ event_type: event.type, event_id: event.id, status: order.status, at: order.updated_at })
    return true
  }
}
