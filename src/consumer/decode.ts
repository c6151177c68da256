// Raw record → validated envelope. Decode and envelope failures cannot succeed on retry.
import { DecodeError } from '../errors.ts'
import type { CodecRegistry } from '../envelope/registry.ts'
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
