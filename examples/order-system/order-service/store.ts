// Orders and their status, in the service's database. An order is written in the same transaction
// as its order.created event (through the outbox), so there is never an order without its event
// or an event without its order. Status only moves forward, because the inventory and
// notification topics are consumed independently and may arrive in either order.
import type { Database } from 'kafkit/outbox'

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

export type NewOrder = Omit<Order, 'status' | 'customer_notified' | 'created_at' | 'updated_at' | 'history'>
export type OrderUpdate = { status?: OrderStatus; reason?: string; notified?: boolean }

export class OrderStore<Tx> {
  readonly #db: Database<Tx>
  readonly #table: string

  constructor(db: Database<Tx>, schema: string) {
    this.#db = db
    this.#table = `"${schema}".orders`
  }

  async migrate(): Promise<void> {
    await this.#db.query(`CREATE TABLE IF NOT EXISTS ${this.#table} (order_id text PRIMARY KEY, doc jsonb NOT NULL)`)
  }

  /** Writes a new pending order in the caller's transaction. */
  async add(tx: Tx, order: NewOrder): Promise<Order> {
    const now = new Date().toISOString()
    const stored: Order = {
      ...order,
      status: 'pending',
      customer_notified: false,
      created_at: now,
      updated_at: now,
      history: [],
    }
    await this.#db.execute(tx, `INSERT INTO ${this.#table} (order_id, doc) VALUES ($1, $2::text::jsonb)`, [
      order.order_id,
      JSON.stringify(stored),
    ])
    return stored
  }

  async get(orderId: string): Promise<Order | undefined> {
    const [row] = await this.#db.query(`SELECT doc::text AS doc FROM ${this.#table} WHERE order_id = $1`, [orderId])
    return row ? (JSON.parse(row['doc'] as string) as Order) : undefined
  }

  /**
   * Records an event of the order and moves its status forward (never back). Returns false for
   * orders this service does not know.
   */
  apply(orderId: string, event: { type: string; id: string }, update: OrderUpdate): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const [row] = await this.#db.execute(
        tx,
        `SELECT doc::text AS doc FROM ${this.#table} WHERE order_id = $1 FOR UPDATE`,
        [orderId],
      )
      if (!row) return false
      const order = JSON.parse(row['doc'] as string) as Order
      // At-least-once delivery: the same event may come twice.
      if (order.history.some((h) => h.event_id === event.id)) return true
      applyUpdate(order, event, update)
      await this.#db.execute(tx, `UPDATE ${this.#table} SET doc = $2::text::jsonb WHERE order_id = $1`, [
        orderId,
        JSON.stringify(order),
      ])
      return true
    })
  }
}

function applyUpdate(order: Order, event: { type: string; id: string }, update: OrderUpdate): void {
  if (update.status && RANK[update.status] > RANK[order.status]) order.status = update.status
  if (update.reason) order.reason = update.reason
  if (update.notified) order.customer_notified = true
  order.updated_at = new Date().toISOString()
  order.history.push({ event_type: event.type, event_id: event.id, status: order.status, at: order.updated_at })
}
