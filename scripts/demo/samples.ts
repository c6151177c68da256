// The sample orders the demo posts: the seed's example order, and others the stock table turns
// down, so that both paths of the flow show. Plus one invalid request, to show the 400.

export interface Sample {
  label: string
  body: unknown
  /** How the order ends. */
  expect: 'notified' | 'rejected'
}

export const SAMPLES: readonly Sample[] = [
  {
    label: "the seed's example order",
    expect: 'notified',
    body: {
      customer_id: 'customer-123',
      items: [
        { product_id: 'product-001', quantity: 2, price: 99.99 },
        { product_id: 'product-002', quantity: 1, price: 149.99 },
      ],
    },
  },
  {
    label: 'a product that is out of stock',
    expect: 'rejected',
    body: { customer_id: 'customer-456', items: [{ product_id: 'product-003', quantity: 1, price: 19.5 }] },
  },
  {
    label: 'two of the last three of product-004',
    expect: 'notified',
    body: { customer_id: 'customer-789', items: [{ product_id: 'product-004', quantity: 2, price: 5 }] },
  },
  {
    label: 'more of product-004 than is left',
    expect: 'rejected',
    body: { customer_id: 'customer-789', items: [{ product_id: 'product-004', quantity: 5, price: 5 }] },
  },
  {
    label: 'a product the shop does not sell',
    expect: 'rejected',
    body: { customer_id: 'customer-321', items: [{ product_id: 'product-999', quantity: 1, price: 1 }] },
  },
]

export const INVALID_SAMPLE = { customer_id: '', items: [{ product_id: 'product-001', quantity: 0, price: 9.99 }] }

export interface Posted {
  sample: Sample
  orderId: string
  correlationId: string
}

export async function postOrder(api: string, body: unknown, correlationId: string) {
  const response = await fetch(`${api}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

export async function orderState(api: string, orderId: string) {
  const response = await fetch(`${api}/api/v1/orders/${orderId}`)
  return (await response.json()) as { status: string; reason?: string; customer_notified: boolean }
}

/** The sample's final state: notified, or rejected with the customer told. */
export function settled(state: { status: string; customer_notified: boolean }): boolean {
  return state.status === 'notified' || (state.status === 'rejected' && state.customer_notified)
}

export function curlExample(api: string): string {
  const body = JSON.stringify(SAMPLES[0]!.body)
  return [
    `curl -s -X POST ${api}/api/v1/orders -H 'content-type: application/json' -d '${body}'`,
    `curl -s ${api}/api/v1/orders/<order_id>`,
    `curl -s ${api}/health ; curl -s ${api}/ready`,
  ].join('\n    ')
}
