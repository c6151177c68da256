import { v7 as uuidv7 } from 'uuid'
import type { Actor, Envelope } from './types.ts'

export interface CreateEnvelopeInput<TPayload, TType extends string = string> {
  type: TType
  version: string
  source: string
  payload: TPayload
  correlationId?: string | undefined
  causationId?: string | undefined
  actor?: Actor | undefined
  metadata?: Record<string, string> | undefined
  /** Defaults to a new UUIDv7. */
  id?: string | undefined
  /** Defaults to now. */
  timestamp?: Date | string | undefined
}

export function newEventId(): string {
  return uuidv7()
}

/** Builds an envelope; a missing correlation id becomes a new id (never left empty). */
export function createEnvelope<TPayload, TType extends string>(
  input: CreateEnvelopeInput<TPayload, TType>,
): Envelope<TPayload, TType> {
  const envelope: Envelope<TPayload, TType> = {
    id: input.id ?? uuidv7(),
    type: input.type,
    version: input.version,
    source: input.source,
    timestamp: toTimestamp(input.timestamp),
    correlation_id: input.correlationId ?? uuidv7(),
    payload: input.payload,
  }
  if (input.causationId !== undefined) envelope.causation_id = input.causationId
  if (input.actor !== undefined) envelope.actor = input.actor
  if (input.metadata !== undefined) envelope.metadata = input.metadata
  return envelope
}

function toTimestamp(value: Date | string | undefined): string {
  if (value === undefined) return new Date().toISOString()
  return typeof value === 'string' ? value : value.toISOString()
}
