// What the demo prints: one readable line per event of the order flow, as the services publish
// them, and a line for what a service logs at warning level or above.
import { styleText } from 'node:util'
import type { ConsumedEvent } from 'kafkit'

const color = process.stdout.isTTY === true
const paint = (style: Parameters<typeof styleText>[0], text: string) => (color ? styleText(style, text) : text)

const SERVICE_STYLE: Record<string, Parameters<typeof styleText>[0]> = {
  'order-service': 'cyan',
  'inventory-service': 'magenta',
  'notification-service': 'green',
}

/** What an event says beyond its type, in a few words. */
function detail(event: ConsumedEvent): string {
  const p = event.payload as Record<string, unknown>
  switch (event.type) {
    case 'order.created': {
      const items = (p['items'] as { product_id: string; quantity: number }[]).map(
        (i) => `${i.quantity}× ${i.product_id}`,
      )
      return `${items.join(', ')} = ${String(p['total'])}`
    }
    case 'inventory.reserved':
      return 'stock reserved'
    case 'inventory.reservation_failed': {
      const missing = (p['missing_items'] as { product_id: string; requested: number; available: number }[])
        .map((m) => `${m.product_id} ${m.available}/${m.requested}`)
        .join(', ')
      return `${String(p['reason'])} (${missing})`
    }
    case 'notification.sent':
      return `${String(p['template'])} → ${String(p['customer_id'])} by ${String(p['channel'])}`
    default:
      return ''
  }
}

export function eventLine(event: ConsumedEvent): string {
  const time = event.timestamp.slice(11, 23)
  const service = paint(SERVICE_STYLE[event.source] ?? 'white', event.source.padEnd(20))
  const type = paint('bold', event.type.padEnd(29))
  const order = (event.payload as { order_id?: string }).order_id ?? '-'
  return `  ${time}  ${service} ${type} order ${order}  corr ${event.correlation_id}  ${paint('dim', detail(event))}`
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }

/** A service's log line, shown when it is at least `minLevel` (warnings by default). */
export function logLine(service: string, line: Record<string, unknown>): string {
  const level = LEVELS[Number(line['level'])] ?? 'LOG'
  const err = line['err'] as { message?: string } | undefined
  const orderId = typeof line['orderId'] === 'string' ? `order ${line['orderId']}` : undefined
  const extra = [orderId, err?.message].filter(Boolean).join('  ')
  return `  ${paint('dim', `[${service}]`)} ${paint(level === 'INFO' ? 'dim' : 'yellow', level)} ${String(line['msg'])}${extra ? `  ${extra}` : ''}`
}

export { paint }
