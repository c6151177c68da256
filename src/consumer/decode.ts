// Raw record → validated envelope. Decode and envelope failures cannot succeed on retry.
import { DecodeError, ErrorCodes, KafkitError } from '../errors.ts'
import type { CodecRegistry } from '../envelope/registry.ts'
import { isFramed, schemaIdOf, type FramedRecord } from '../registry/codec.ts'
import type { RegistryDecoder } from '../registry/decoder.ts'
import { readEnvelope, type ReadEnvelopeOptions } from '../envelope/validate.ts'
import type { Envelope } from '../envelope/types.ts'

export function decodeEnvelope(
  registry: CodecRegistry,
  value: Buffer | undefined | null,
  headers: ReadonlyMap<string, string>,
  reading?: ReadEnvelopeOptions,
): Envelope {
  if (value === undefined || value === null || value.length === 0) {
    throw new DecodeError('the record has no value (a tombstone or an empty record), not an event', {
      retryable: false,
    })
  }
  const codec = registry.forRecord(headers)
  return readEnvelope(codec.decode(value, headers), reading)
}

/**
 * A value in the Confluent wire format (a registry codec's): decoded with the writer's schema from
 * the registry, synchronously once that schema is known.
 */
export function decodeFramedEnvelope(
  decoder: RegistryDecoder | undefined,
  value: Buffer,
  headers: ReadonlyMap<string, string>,
  record: FramedRecord,
  reading?: ReadEnvelopeOptions,
): Envelope | Promise<Envelope> {
  if (!decoder) {
    throw new DecodeError(
      `the record is in the Confluent wire format (schema id ${schemaIdOf(value)}), but this consumer has no schema registry: set SCHEMA_REGISTRY_URL`,
      { retryable: false },
    )
  }
  const decoded = decoder.decode(value, headers, record)
  return decoded instanceof Promise ? decoded.then((v) => readEnvelope(v, reading)) : readEnvelope(decoded, reading)
}

/**
 * Whether a decoding failure is the schema registry's, not the record's: it does not answer, or it
 * refuses kafkit (credentials, a wrong URL). Such a record is retried, never dead-lettered.
 */
export function registryOutage(error: unknown): boolean {
  return (
    KafkitError.is(error) &&
    (error.code === ErrorCodes.REGISTRY_UNAVAILABLE || error.code === ErrorCodes.REGISTRY_REJECTED)
  )
}

/**
 * The decode stage: a record's value as a validated envelope, by the codec its headers name, or
 * through the schema registry for a value in the Confluent wire format (asynchronous while the
 * writer's schema is not known yet).
 */
export function decodeRecord(
  stage: { registry: CodecRegistry; framed: RegistryDecoder | undefined; reading: ReadEnvelopeOptions },
  value: Buffer | null | undefined,
  facts: { topic: string; timestamp: Date; headers: ReadonlyMap<string, string> },
): Envelope | Promise<Envelope> {
  if (isFramed(value)) {
    return decodeFramedEnvelope(
      stage.framed,
      value,
      facts.headers,
      { topic: facts.topic, timestamp: facts.timestamp },
      stage.reading,
    )
  }
  return decodeEnvelope(stage.registry, value, facts.headers, stage.reading)
}

/** Keeps only the given dotted paths ("payload.user_id") of an event, for subset projection. */
export function project<T extends object>(event: T, fields: readonly string[]): T {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(event)) if (name !== 'payload') out[name] = value
  const payload: Record<string, unknown> = {}
  for (const field of fields) {
    const path = field.startsWith('payload.') ? field.slice('payload.'.length).split('.') : undefined
    if (!path) continue
    let source: unknown = (event as { payload?: unknown }).payload
    for (const segment of path) source = (source as Record<string, unknown> | undefined)?.[segment]
    if (source === undefined) continue
    let target = payload
    path.slice(0, -1).forEach((segment) => {
      target[segment] ??= {}
      target = target[segment] as Record<string, unknown>
    })
    target[path.at(-1)!] = source
  }
  out['payload'] = payload
  return out as T
}
