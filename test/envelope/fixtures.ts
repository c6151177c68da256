// Envelopes for the envelope tests: one with every optional field, one with none.
import type { Envelope } from '../../src/envelope/index.ts'

export function fullEnvelope(): Envelope<Record<string, unknown>> {
  return {
    id: '0192f3a4-5b6c-7d8e-9f01-23456789abcd',
    type: 'ride.completed',
    version: '1.2',
    source: 'ride-service',
    timestamp: '2026-01-31T12:00:00.123Z',
    correlation_id: 'req-42',
    causation_id: '0192f3a4-5b6c-7d8e-9f01-000000000001',
    actor: { id: 'user-7', type: 'user' },
    metadata: { tenant: 'mz', region: 'maputo' },
    payload: { ride_id: 'r-1', fare: 350.5, stops: [{ lat: -25.96, lng: 32.57 }] },
  }
}

export function minimalEnvelope(): Envelope<Record<string, unknown>> {
  return {
    id: '0192f3a4-5b6c-7d8e-9f01-23456789abce',
    type: 'user.registered',
    version: '1.0',
    source: 'user-service',
    timestamp: '2026-01-31T12:00:00Z',
    correlation_id: 'c-1',
    payload: {},
  }
}
