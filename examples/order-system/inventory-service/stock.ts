// A stock table in memory, with products chosen so that both outcomes happen: plenty of the
// first two, none of product-003, only three of product-004. Reservations are idempotent per
// order, because order.created may be delivered more than once.

export const INITIAL_STOCK: Readonly<Record<string, number>> = {
  'product-001': 1_000,
  'product-002': 500,
  'product-003': 0,
  'product-004': 3,
}

export interface RequestedItem {
  product_id: string
  quantity: number
}

export interface MissingItem {
  product_id: string
  requested: number
  available: number
}

export type Reservation =
  | { ok: true; reservationId: string; items: RequestedItem[] }
  | { ok: false; reason: 'insufficient_stock' | 'unknown_product'; missing: MissingItem[] }

export class Stock {
  readonly #available: Map<string, number>
  readonly #byOrder = new Map<string, Reservation>()

  constructor(initial: Readonly<Record<string, number>> = INITIAL_STOCK) {
    this.#available = new Map(Object.entries(initial))
  }

  available(productId: string): number | undefined {
    return this.#available.get(productId)
  }

  /** Reserves every item or none; the same order gets the same answer again. */
  reserve(orderId: string, items: readonly RequestedItem[], newId: () => string): Reservation {
    const earlier = this.#byOrder.get(orderId)
    if (earlier) return earlier
    const wanted = new Map<string, number>()
    for (const item of items) wanted.set(item.product_id, (wanted.get(item.product_id) ?? 0) + item.quantity)
    const unknown = [...wanted].filter(([product]) => !this.#available.has(product))
    const short = [...wanted].filter(([product, quantity]) => (this.#available.get(product) ?? 0) < quantity)
    let result: Reservation
    if (unknown.length > 0 || short.length > 0) {
      const missing = (unknown.length > 0 ? unknown : short).map(([product_id, requested]) => ({
        product_id,
        requested,
        available: this.#available.get(product_id) ?? 0,
      }))
      result = { ok: false, reason: unknown.length > 0 ? 'unknown_product' : 'insufficient_stock', missing }
    } else {
      for (const [product, quantity] of wanted) this.#available.set(product, this.#available.get(product)! - quantity)
      result = {
        ok: true,
        reservationId: newId(),
        items: [...wanted].map(([product_id, quantity]) => ({ product_id, quantity })),
      }
    }
    this.#byOrder.set(orderId, result)
    return result
  }
}
