import type { Handler, Middleware } from './types.ts'

/** Wraps `handler` in `layers`; the first layer is the outermost. */
export function compose(layers: readonly Middleware[], handler: Handler): Handler {
  return layers.reduceRight<Handler>((next, layer) => layer(next), handler)
}
