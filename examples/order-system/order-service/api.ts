// The order API: POST /api/v1/orders validates the request, stores the order as pending and
// publishes order.created (inside the request's context, so the event carries its correlation id);
// GET /api/v1/orders/:id returns the order with the status the downstream events gave it.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { newEventId, type Kafkit, type Logger } from 'kafkit'
import type { OrderFlow } from '../flow.ts'
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

const cents = (amount: number) => Math.round(amount * 100)

export function orderRoutes(deps: { kafkit: Kafkit; flow: OrderFlow; store: OrderStore; logger: Logger }) {
  return (app: FastifyInstance) => {
    app.post('/api/v1/orders', async (request, reply) => {
      const parsed = CreateOrderRequest.safeParse(request.body)
      if (!parsed.success) {
        return reply
          .status(400)
          .send({ error: 'invalid_request', message: 'the order is not valid', issues: issuesOf(parsed.error) })
      }
      const { customer_id, items } = parsed.data
      const total = items.reduce((sum, i) => sum + cents(i.price) * i.quantity, 0) / 100
      const order = deps.store.add({
        order_id: newEventId(),
        customer_id,
        items,
        total,
        correlation_id: request.eventContext.correlationId,
      })
      try {
        // The customer is the actor: every event caused by this one carries it (the notification
        // service learns whom to notify from it).
        await deps.kafkit.publish(
          deps.flow.OrderCreated,
          { order_id: order.order_id, customer_id, items, total },
          { actor: { id: customer_id, type: 'user' } },
        )
      } catch (error) {
        deps.store.delete(order.order_id)
        deps.logger.error(
          { err: error, orderId: order.order_id, correlationId: order.correlation_id },
          'order not published',
        )
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

    app.get<{ Params: { id: string } }>('/api/v1/orders/:id', (request, reply) => {
      const order = deps.store.get(request.params.id)
      if (!order) return reply.status(404).send({ error: 'not_found', message: `no order ${request.params.id}` })
      return order
    })
  }
}
