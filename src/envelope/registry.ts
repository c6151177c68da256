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
  readonly #codecs: EnvelopeCodec[]

  constructor(extra: readonly EnvelopeCodec[] = []) {
    this.#codecs = [...extra, cloudEventsBinaryCodec, cloudEventsStructuredCodec, jsonCodec]
  }

  forRecord(headers: ReadonlyMap<string, string>): EnvelopeCodec {
    for (const codec of this.#codecs) if (codec.matches(headers)) return codec
    return jsonCodec
  }
}

export function resolveCodec(codec: CodecName | EnvelopeCodec | undefined): EnvelopeCodec {
  if (codec === undefined) return jsonCodec
  return typeof codec === 'string' ? builtInCodecs[codec] : codec
}
