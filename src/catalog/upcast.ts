// Turns a consumed envelope's payload into the payload a definition expects: validate as produced,
// then upcast step by step, validating after each step.
import { ErrorCodes, KafkitError, PayloadError, errorMessage } from '../errors.ts'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { Envelope } from '../envelope/types.ts'
import { resolveVersion, type Resolution } from './catalog.ts'
import { parseVersion, type AnyEvent } from './event.ts'
import { validateSchema, validationIssues, type Validated } from './schema.ts'

export class UpcastError extends KafkitError {
  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(ErrorCodes.UPCAST_FAILED, message, { ...options, retryable: false })
  }
}

export interface Decoded<T> {
  payload: T
  /** The versions passed through when upcasting, e.g. ["1.0", "2.0"]; empty when none. */
  upcastedFrom: string[]
}

export function payloadFor<T>(envelope: Envelope, target: AnyEvent): Decoded<T> | Promise<Decoded<T>> {
  const resolution = resolveVersion(target, envelope.version)
  if (!resolution) {
    const produced = parseVersion(envelope.version)
    // Say why: a newer major needs a newer consumer, a gap needs an upcaster; the fixes differ.
    const why =
      produced && produced.major > target.major
        ? 'it is a newer major version (kafkit never downcasts): upgrade this consumer'
        : 'no upcaster path in the catalog'
    throw new UpcastError(`${envelope.type} v${envelope.version} cannot be read as v${target.version}: ${why}`, {
      details: { eventType: envelope.type, from: envelope.version, to: target.version },
    })
  }
  return run<T>(envelope, resolution)
}

/**
 * The validated payload of a record read at its own major version by a synchronous validator (the
 * common case), with nothing allocated beyond what the validator returns: its success result.
 * Undefined when that is not the case (no resolution, an upcast, an asynchronous validator) or the
 * payload is invalid: payloadFor then does the whole work and says why. Starts nothing that could
 * reject unobserved. A validator that answered asynchronously once is not asked here again.
 */
export function payloadAtOnce(
  envelope: Envelope,
  resolution: Resolution | undefined,
): StandardSchemaV1.SuccessResult<unknown> | undefined {
  if (resolution === undefined || resolution.steps.length > 0) return undefined
  const schema = resolution.source.schema
  if (someAnswerLater && answersLater.has(schema)) return undefined
  const result = schema['~standard'].validate(envelope.payload)
  if (result instanceof Promise) {
    // An asynchronous validator: its answer is not used here (payloadFor asks again), so a failure
    // of its own is not reported twice. It is not asked here again: one validation per record after this one.
    answersLater.add(schema)
    someAnswerLater = true
    result.catch(() => undefined)
    return undefined
  }
  return result.issues === undefined ? result : undefined
}

/** Schemas whose validator answered with a promise: payloadAtOnce leaves them to payloadFor. */
const answersLater = new WeakSet<object>()
/** Whether any has: until then, no lookup per record. */
let someAnswerLater = false

/** Shared by every payload read at its own version (most records): one array less per record. */
const NOT_UPCAST: string[] = Object.freeze([]) as unknown as string[]

function run<T>(envelope: Envelope, resolution: Resolution): Decoded<T> | Promise<Decoded<T>> {
  if (resolution.steps.length === 0) {
    // The common case, read at its own major: nothing of kafkit's per record but the answer.
    const { source } = resolution
    const result = source.schema['~standard'].validate(envelope.payload)
    return result instanceof Promise
      ? result.then((r) => ({ payload: validOrThrow<T>(source, envelope.version, r), upcastedFrom: NOT_UPCAST }))
      : { payload: validOrThrow<T>(source, envelope.version, result), upcastedFrom: NOT_UPCAST }
  }
  const first = check(resolution.source, envelope.version, validateSchema(resolution.source.schema, envelope.payload))
  return (async () => {
    let payload = await first
    const upcastedFrom = [envelope.version]
    for (const step of resolution.steps) {
      let next: unknown
      try {
        next = step.upcast!.up(payload as never, envelope)
      } catch (err) {
        throw new UpcastError(`upcasting ${envelope.type} to v${step.version} failed: ${errorMessage(err)}`, {
          cause: err,
        })
      }
      payload = await check(step, step.version, validateSchema(step.schema, next))
      upcastedFrom.push(step.version)
    }
    upcastedFrom.pop()
    return { payload: payload as T, upcastedFrom }
  })()
}

function validOrThrow<T>(def: AnyEvent, version: string, result: StandardSchemaV1.Result<unknown>): T {
  if (result.issues === undefined) return result.value as T
  throw new PayloadError(def.type, version, validationIssues(result.issues), { retryable: false })
}

function check(def: AnyEvent, version: string, result: Validated<unknown> | Promise<Validated<unknown>>): unknown {
  const unwrap = (r: Validated<unknown>) => {
    if (!r.ok) throw new PayloadError(def.type, version, r.issues, { retryable: false })
    return r.value
  }
  return result instanceof Promise ? result.then(unwrap) : unwrap(result)
}
