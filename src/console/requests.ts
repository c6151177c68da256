// What the console's forms ask for, read and checked: a replay (filter, target, rate), an offset
// reset target; and the error that becomes an HTTP status.
import type { ResetTarget } from '../admin/reset-offsets.ts'
import type { DeadLetterFilter } from '../dlq/index.ts'
import type { ReplayRequest } from './jobs.ts'
import { filterFrom, type DlqParams } from './pages/dlq.ts'

export class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

export function requireWrites(allowed: boolean): void {
  if (!allowed)
    throw new HttpError(403, 'this console is read-only: start it with --allow-writes to replay or reset offsets')
}

export function replayRequest(topic: string, form: Record<string, string>): ReplayRequest {
  const params = form as DlqParams & Record<string, string>
  const shown = filterFrom(params)
  const filter: DeadLetterFilter = {}
  if (shown.group && shown.group !== '(producer)') filter.group = shown.group
  if (shown.type) filter.type = shown.type
  if (shown.code) filter.errorCode = shown.code
  if (shown.eventId) filter.eventId = shown.eventId
  if (shown.since !== undefined && !Number.isNaN(shown.since)) filter.since = new Date(shown.since)
  if (shown.until !== undefined && !Number.isNaN(shown.until)) filter.until = new Date(shown.until)
  if (shown.partition !== undefined && Number.isInteger(shown.partition)) filter.partition = shown.partition
  if (form['offset'] && /^\d+$/.test(form['offset'])) {
    filter.fromOffset = BigInt(form['offset'])
    filter.toOffset = BigInt(form['offset'])
  }
  const rate = Number(form['rate'])
  const target = form['target'] ?? 'failed'
  const toGroup = form['to_group']?.trim()
  if (target === 'group' && !toGroup) throw new HttpError(400, 'name the group to replay for')
  return {
    topic,
    filter,
    dryRun: true,
    ...(target === 'group' && toGroup && { group: toGroup }),
    ...(target === 'all' && { allGroups: true }),
    ...(Number.isInteger(rate) && rate > 0 && { rate }),
  }
}

export function resetTarget(form: Record<string, string>): ResetTarget {
  const value = (form['value'] ?? '').trim()
  switch (form['to']) {
    case 'earliest':
      return { to: 'earliest' }
    case 'latest':
      return { to: 'latest' }
    case 'time': {
      const time = Date.parse(value)
      if (Number.isNaN(time)) throw new HttpError(400, `"${value}" is not an ISO 8601 time`)
      return { to: 'time', time: new Date(time) }
    }
    case 'offset':
      if (!/^\d+$/.test(value)) throw new HttpError(400, `"${value}" is not an offset`)
      return { to: 'offset', offset: BigInt(value) }
    default:
      throw new HttpError(400, 'choose earliest, latest, time or offset')
  }
}
