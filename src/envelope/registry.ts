import { cloudEventsBinaryCodec, cloudEventsStructuredCodec } from './cloudevents.ts'
import { jsonCodec, seriesCodec, type EnvelopeCodec } from './codec.ts'

export const builtInCodecs = {
  json: jsonCodec,
  series: seriesCodec,
  'cloudevents-structured': cloudEventsStructuredCodec,
  'cloudevents-binary': cloudEventsBinaryCodec,
} as const

export type CodecName = keyof typeof builtInCodecs

/** Picks the codec of a consumed record from its headers; the most specific formats are tried first. */
export class CodecRegistry {
  readonly #extra: readonly EnvelopeCodec[]

  constructor(extra: readonly EnvelopeCodec[] = []) {
    this.#extra = extra
  }

  /**
   * Whether only the built-in codecs decode: each decoded value is then a new object of the
   * consumer's own (parsed from the record's bytes), which it may complete in place.
   */
  get builtInOnly(): boolean {
    return this.#extra.length === 0
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
