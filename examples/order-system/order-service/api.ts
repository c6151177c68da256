// The order API: POST /api/v1/orders validates the request and, in one database transaction,
// stores the order as pending and writes order.created to the outbox (inside the request's context,
// so the event carries its correlation id); the relay then publishes it. GET /api/v1/orders/:id
// returns the order with the status the downstream events gave it.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { newEventId, type Logger } from 'kafkit'
import type { Database, Outbox } from 'kafkit/outbox'
import type { OrderFlow } from '../flow.ts'
import { orderTotal } from '../../catalogs/money.ts'
import type { OrderStore } from './store.ts'

export const CreateOrderRequest = z.strictObject({
  customer_id: z.string().trim().min(1).max(100),
  items: z
    .array(
      z.strictObject({
        product_id: z.string().trim().min(1).max(100),
        quantity: z.number().int().positive().max(10_000),
        price: z.number().nonnegative().max(1_000_000),
      }),
    )
    .min(1)
    .max(100),
})

export interface FieldIssue {
  /** Where in the body, e.g. `items[0].quantity`. */
  field: string
  message: string
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  )
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), message: 'is not a known field' }))
      : [{ field: fieldOf(issue.path) || '(body)', message: issue.message }],
  )
}

export interface OrderRoutesDeps<Tx> {
  db: Database<Tx>
  outbox: Outbox<Tx>
  flow: OrderFlow
  store: OrderStore<Tx>
  logger: Logger
}

export function orderRoutes<Tx>(deps: OrderRoutesDeps<Tx>) {
  return (app: FastifyInstance) => {
    app.post('/api/v1/orders', async (request, reply) => {
      const parsed = CreateOrderRequest.safeParse(request.body)
      if (!parsed.success) {
        return reply
          .status(400)
          .send({ error: 'invalid_request', message: 'the order is not valid', issues: issuesOf(parsed.error) })
      }
      const { customer_id, items } = parsed.data
      const total = orderTotal(items)
      const order_id = newEventId()
      const correlation_id = request.eventContext.correlationId
      let order
      try {
        // The order and its event commit together, or neither does: the relay publishes the event.
        order = await deps.db.transaction(async (tx) => {
          const stored = await deps.store.add(tx, { order_id, customer_id, items, total, correlation_id })
          // The customer is the actor: every event caused by this one carries it (the notification
          // service learns whom to notify from it).
          await deps.outbox.publish(
            tx,
            deps.flow.OrderCreated,
            { order_id, customer_id, items, total },
            { actor: { id: customer_id, type: 'user' } },
          )
          return stored
        })
      } catch (error) {
        deps.logger.error({ err: error, orderId: order_id, correlationId: correlation_id }, 'order not stored')
        return reply.status(503).send({ error: 'unavailable', message: 'the order could not be recorded; try again' })
      }
      deps.logger.info(
        { orderId: order.order_id, customerId: customer_id, total, correlationId: order.correlation_id },
        'order created',
      )
      return reply
        .status(201)
        .header('location', `/api/v1/orders/${order.order_id}`)
        .send({ order_id: order.order_id, status: order.status, total, correlation_id: order.correlation_id })
    })

    app.get<{ Params: { id: string } }>('/api/v1/orders/:id', async (request, reply) => {
      const order = await deps.store.get(request.params.id)
      if (!order) return reply.status(404).send({ error: 'not_found', message: `no order ${request.params.id}` })
      return order
    })
  }
}
