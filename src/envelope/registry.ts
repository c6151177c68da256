import { cloudEventsBinaryCodec, cloudEventsStructuredCodec } from './cloudevents.ts'
import { jsonCodec, seriesCodec, type EnvelopeCodec } from './codec.ts'

export const builtInCodecs = {
  json: jsonCodec,
  series: seriesCodec,
  'cloudevents-structured': cloudEventsStructuredCodec,
  'cloudevents-binary': cloudEventsBinaryCodec,
} as const

export type CodecName = keyof typeof builtInCodecs

/** Registries without a codec of the application's (see decodesFresh). */
const builtInOnly = new WeakSet<object>()

/**
 * Whether every value `registry` decodes is a new object of the caller's own (the built-in codecs
 * parse the record's bytes), which the caller may then complete in place. A codec of the
 * application's may hand out an object it keeps.
 */
export function decodesFresh(registry: CodecRegistry): boolean {
  return builtInOnly.has(registry)
}

/** Picks the codec of a consumed record from its headers; the most specific formats are tried first. */
export class CodecRegistry {
  readonly #extra: readonly EnvelopeCodec[]

  constructor(extra: readonly EnvelopeCodec[] = []) {
    this.#extra = extra
    if (extra.length === 0) builtInOnly.add(this)
  }

  forRecord(headers: ReadonlyMap<string, string>): EnvelopeCodec {
    for (const codec of this.#extra) if (codec.matches(headers)) return codec
    // The built-in formats, told apart with two header lookups (this runs for every record).
    if (headers.has('ce_specversion')) return cloudEventsBinaryCodec
    return headers.get('content-type')?.startsWith('application/cloudevents+json')
      ? cloudEventsStructuredCodec
      : jsonCodec
  }
}

export function resolveCodec(codec: CodecName | EnvelopeCodec | undefined): EnvelopeCodec {
  if (codec === undefined) return jsonCodec
  return typeof codec === 'string' ? builtInCodecs[codec] : codec
}
