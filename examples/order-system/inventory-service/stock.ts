// The stock table, in the service's database, with products chosen so that both outcomes happen:
// plenty of the first two, none of product-003, only three of product-004. A reservation runs in
// the transaction the inbox opened for the order.created being handled, so the stock taken and the
// mark "this event was handled" commit together: a redelivered event cannot take stock twice.
import type { Database } from 'kafkit/outbox'

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

/** All items or none: what is missing, or what to take. */
export function decide(
  available: ReadonlyMap<string, number>,
  items: readonly RequestedItem[],
  newId: () => string,
): Reservation {
  const wanted = new Map<string, number>()
  for (const item of items) wanted.set(item.product_id, (wanted.get(item.product_id) ?? 0) + item.quantity)
  const unknown = [...wanted].filter(([product]) => !available.has(product))
  const short = [...wanted].filter(([product, quantity]) => (available.get(product) ?? 0) < quantity)
  if (unknown.length > 0 || short.length > 0) {
    const missing = (unknown.length > 0 ? unknown : short).map(([product_id, requested]) => ({
      product_id,
      requested,
      available: available.get(product_id) ?? 0,
    }))
    return { ok: false, reason: unknown.length > 0 ? 'unknown_product' : 'insufficient_stock', missing }
  }
  return {
    ok: true,
    reservationId: newId(),
    items: [...wanted].map(([product_id, quantity]) => ({ product_id, quantity })),
  }
}

export class Stock<Tx> {
  readonly #db: Database<Tx>
  readonly #stock: string

  constructor(db: Database<Tx>, schema: string) {
    this.#db = db
    this.#stock = `"${schema}".stock`
  }

  /** Creates the table and fills it with the initial stock (once). */
  async migrate(initial: Readonly<Record<string, number>> = INITIAL_STOCK): Promise<void> {
    await this.#db.query(
      `CREATE TABLE IF NOT EXISTS ${this.#stock} (product_id text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0))`,
    )
    for (const [product, available] of Object.entries(initial)) {
      await this.#db.query(`INSERT INTO ${this.#stock} VALUES ($1, $2) ON CONFLICT DO NOTHING`, [product, available])
    }
  }

  async available(productId: string): Promise<number | undefined> {
    const [row] = await this.#db.query(`SELECT available FROM ${this.#stock} WHERE product_id = $1`, [productId])
    return row ? Number(row['available']) : undefined
  }

  /** Reserves every item or none, in the caller's transaction (the rows are locked until it ends). */
  async reserve(tx: Tx, items: readonly RequestedItem[], newId: () => string): Promise<Reservation> {
    const products = [...new Set(items.map((i) => i.product_id))].sort()
    const rows = await this.#db.execute(
      tx,
      `SELECT product_id, available FROM ${this.#stock} WHERE product_id = ANY(string_to_array($1, chr(31))) ORDER BY product_id FOR UPDATE`,
      [products.join('\u001f')],
    )
    const available = new Map(rows.map((r) => [r['product_id'] as string, Number(r['available'])]))
    const result = decide(available, items, newId)
    if (result.ok) {
      for (const item of result.items) {
        await this.#db.execute(tx, `UPDATE ${this.#stock} SET available = available - $2 WHERE product_id = $1`, [
          item.product_id,
          item.quantity,
        ])
      }
    }
    return result
  }
}
