// Order totals computed exactly: prices arrive as JSON numbers (0.005, 99.99), which binary floating
// point cannot add exactly, and rounding each price to cents would make 3 × 0.005 cost 0.03. Each
// price is read as the decimal it was written as, and the sum is kept in integers of its finest unit.

/** A decimal as an integer count of 10^-scale units: 0.005 is { units: 5n, scale: 3 }. */
interface Decimal {
  units: bigint
  scale: number
}

function decimalOf(amount: number): Decimal {
  // String() gives the shortest decimal that reads back as this number: what the client wrote.
  const [mantissa = '0', exponent = '0'] = String(amount).split('e')
  const [whole = '0', fraction = ''] = mantissa.split('.')
  const scale = fraction.length - Number(exponent)
  const units = BigInt(whole + fraction)
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 }
}

/** Σ price × quantity, exact; the result is the number nearest the exact decimal (0.015, not 0.03). */
export function orderTotal(items: readonly { price: number; quantity: number }[]): number {
  const prices = items.map((item) => ({ ...decimalOf(item.price), quantity: BigInt(item.quantity) }))
  const scale = Math.max(0, ...prices.map((p) => p.scale))
  const units = prices.reduce((sum, p) => sum + p.units * 10n ** BigInt(scale - p.scale) * p.quantity, 0n)
  const digits = units.toString().padStart(scale + 1, '0')
  return Number(`${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale) || '0'}`)
}
