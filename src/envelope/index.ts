export type { Actor, ActorType, Envelope } from './types.ts'
export { ACTOR_TYPES } from './types.ts'
export { createEnvelope, newEventId, type CreateEnvelopeInput } from './create.ts'
export {
  envelopeIssues,
  readEnvelope,
  decodeMode,
  validateEnvelope,
  EVENT_TYPE,
  VERSION,
  type DecodeMode,
  type ReadEnvelopeOptions,
  type Tolerance,
} from './validate.ts'
export { Headers, envelopeHeaders, headersToStrings, type TraceHeaders } from './headers.ts'
export { jsonCodec, seriesCodec, parseJson, type EncodedValue, type EnvelopeCodec } from './codec.ts'
export { cloudEventsBinaryCodec, cloudEventsStructuredCodec } from './cloudevents.ts'
export { builtInCodecs, CodecRegistry, resolveCodec, type CodecName } from './registry.ts'
