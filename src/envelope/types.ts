// The canonical event envelope: the JSON value of every record kafkit writes.

export const ACTOR_TYPES = ['user', 'system', 'admin'] as const
export type ActorType = (typeof ACTOR_TYPES)[number]

export interface Actor {
  id: string
  type: ActorType
}

/** Field names are the wire names (snake_case), so what a handler reads is what is on the topic. */
export interface Envelope<TPayload = unknown, TType extends string = string> {
  /** UUID (v7 when kafkit created it): unique per event, the de-duplication key. */
  id: string
  /** `domain.action`, e.g. `ride.completed`. */
  type: TType
  /** Payload schema version, `major.minor`. */
  version: string
  /** The producing service. */
  source: string
  /** Creation time, UTC ISO 8601. */
  timestamp: string
  /** The request or flow this event belongs to; always set. */
  correlation_id: string
  /** The id of the event whose handling published this one. */
  causation_id?: string
  actor?: Actor
  metadata?: Record<string, string>
  payload: TPayload
}
