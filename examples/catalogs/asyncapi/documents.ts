// The example catalogs' AsyncAPI documents: how each is generated (the `kafkit asyncapi` arguments).
// `npm run asyncapi:examples` writes them next to this file; a test fails when one is stale.

export interface ExampleDocument {
  file: string
  args: string[]
}

const catalogs = 'examples/catalogs'

export const EXAMPLE_DOCUMENTS: readonly ExampleDocument[] = [
  {
    file: `${catalogs}/asyncapi/txova.yaml`,
    args: [
      '--catalog',
      `${catalogs}/txova.ts#txovaCatalog`,
      '--services',
      `${catalogs}/txova.ts#txovaServices`,
      '--title',
      'txova events',
    ],
  },
  {
    file: `${catalogs}/asyncapi/orders.yaml`,
    args: [
      '--catalog',
      `${catalogs}/orders.ts#ordersCatalog`,
      '--services',
      `${catalogs}/orders.ts#ordersServices`,
      '--title',
      'Order system events',
    ],
  },
  {
    file: `${catalogs}/asyncapi/series.yaml`,
    args: [
      '--catalog',
      `${catalogs}/series.ts#seriesCatalog`,
      '--services',
      `${catalogs}/series.ts#seriesServices`,
      '--title',
      'Series messages',
    ],
  },
]
