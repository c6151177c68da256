// The example catalogs, each under its own name (their event names would collide if flattened).
export * as txova from './txova.ts'
export * as series from './series.ts'
export * as orders from './orders.ts'
export { txovaCatalog } from './txova.ts'
export { seriesCatalog } from './series.ts'
export { ordersCatalog } from './orders.ts'
