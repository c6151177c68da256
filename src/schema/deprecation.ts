// Deprecation windows: a deprecated event version may still be published for 30 days (txova's
// minimum), and must stay in the catalog at least as long (consumers still read it).
import type { AnyEvent, Deprecation } from '../catalog/event.ts'

export const DEPRECATION_WINDOW_DAYS = 30
const DAY_MS = 86_400_000

/** The first instant after the window: from then on, publishing the version is a violation. */
export function windowEnd(deprecation: Pick<Deprecation, 'since'>): Date {
  return new Date(Date.parse(`${deprecation.since}T00:00:00Z`) + DEPRECATION_WINDOW_DAYS * DAY_MS)
}

export function windowEnded(deprecation: Pick<Deprecation, 'since'>, now: Date): boolean {
  return now.getTime() >= windowEnd(deprecation).getTime()
}

/** A date as `YYYY-MM-DD` (UTC). */
export function day(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** The warning a producer logs (once per event version) when it publishes a deprecated version. */
export function deprecationWarning(event: AnyEvent & { deprecated: Deprecation }): string {
  const end = windowEnd(event.deprecated)
  const note = event.deprecated.note ? `: ${event.deprecated.note}` : ''
  return `${event.type} v${event.version} is deprecated since ${event.deprecated.since}; its ${DEPRECATION_WINDOW_DAYS}-day window ends on ${day(end)}, stop publishing it before then${note}`
}
