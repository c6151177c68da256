// The wire client's producer, with three of its extension points (the symbols @platformatic/kafka
// exports for subclasses) bent to kafkit's rules:
// - metadata comes from kafkit's ClusterView, whose requests are bounded and hedged across brokers,
//   never from whichever bootstrap broker answers the socket first (a hung one would stall every send);
// - Produce requests are written by kafkit's record batch encoder (encode.ts), the same bytes in far
//   fewer buffers and copies;
// - requests any broker can answer (ApiVersions, InitProducerId) go to a healthy broker first;
// - no operation is retried past the deadline of the records it carries, and errors that waiting
//   cannot fix (credentials, TLS) are not retried at all. The retries are what keep idempotence
//   (a retried batch keeps its producer id and sequence numbers, so the broker de-duplicates it), so
//   they stay with the wire client; kafkit only bounds them.
import {
  findErrorBy,
  kGetApi,
  kGetBootstrapConnection,
  kMetadata,
  kPerformWithRetry,
  Producer,
  type API,
  type Callback,
  type CallbackWithPromise,
  type ClusterMetadata,
  type Connection,
  type MetadataOptions,
  type ProducerOptions,
} from '@platformatic/kafka'
import { diagnose, isConfigurationFailure } from '../cluster/diagnose.ts'
import type { ClusterView } from '../cluster/view.ts'
import { fastProduceApi } from './encode.ts'

type Options = ProducerOptions<Buffer, Buffer, string, string | Buffer>

/** Retries of an operation refused for stale metadata (a leader moved) before it fails. */
const STALE_RETRIES = 3

export interface WireHooks {
  view: ClusterView
  /** The deadline of an operation started outside `withDeadline`: the latest of the records in flight. */
  fallbackDeadline(): number
  /** The delay before retry `attempt`, without regard to the deadline. */
  backoff(attempt: number): number
}

export class Wire extends Producer<Buffer, Buffer, string, string | Buffer> {
  readonly #hooks: WireHooks
  #deadline: number | undefined
  /** The deadline of the operation whose retry is being decided (read by the retry delay). */
  #retrying: number | undefined
  #stale = false

  constructor(options: Options, hooks: WireHooks) {
    super({
      ...options,
      retryDelay: (_client, _operation, attempt) => {
        const wait = hooks.backoff(attempt)
        return this.#retrying === undefined ? wait : Math.max(0, Math.min(wait, this.#retrying - Date.now()))
      },
    })
    this.#hooks = hooks
  }

  /** Runs `call` (which starts wire operations synchronously) with the deadline its operations must keep. */
  withDeadline<T>(deadline: number, call: () => T): T {
    this.#deadline = deadline
    try {
      return call()
    } finally {
      this.#deadline = undefined
    }
  }

  /** Closes the connection to a broker: its request in flight fails at once, and is retried elsewhere. */
  dropConnection(host: string, port: number): boolean {
    const connection = this.connections.getEstablishedConnection({ host, port })
    if (!connection?.socket) return false
    connection.socket.destroy()
    return true
  }

  // The wire client clears its metadata when it learns it is stale: the next lookup refreshes.
  override clearMetadata(): void {
    this.#stale = true
  }

  override [kMetadata](options: MetadataOptions, callback: CallbackWithPromise<ClusterMetadata>): void {
    const view = this.#hooks.view
    const topics = options.topics ?? []
    if (!options.forceUpdate && !this.#stale && topics.every((t) => view.topic(t) !== undefined)) {
      callback(null, view.wireMetadata(topics))
      return
    }
    this.#stale = false
    view.refresh(topics).then(
      () => callback(null, view.wireMetadata(topics)),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), undefined as never),
    )
  }

  override [kGetApi]<RequestArguments extends Array<unknown>, ResponseType>(
    name: string,
    callback: Callback<API<RequestArguments, ResponseType>>,
  ): void {
    if (name !== 'Produce') return super[kGetApi](name, callback)
    super[kGetApi]<RequestArguments, ResponseType>(name, (error, api) => {
      if (error || !api) return callback(error, api)
      callback(null, (fastProduceApi(api) as API<RequestArguments, ResponseType> | undefined) ?? api)
    })
  }

  override [kGetBootstrapConnection](callback: Callback<Connection>, attempt = 0): void {
    const brokers = this.#hooks.view.bootstrapOrder()
    const offset = brokers.length > 0 ? attempt % brokers.length : 0
    this.connections.getFirstAvailable([...brokers.slice(offset), ...brokers.slice(0, offset)], callback)
  }

  override [kPerformWithRetry]<ReturnType>(
    operationId: string,
    operation: (callback: Callback<ReturnType>, attempt: number) => void,
    callback: CallbackWithPromise<ReturnType>,
    attempt = 0,
    errors: Error[] = [],
    shouldSkipRetry?: (e: Error) => boolean,
    retryLimit?: number,
  ): void | Promise<ReturnType> {
    let skip = shouldSkipRetry
    if (attempt === 0) {
      const deadline = this.#deadline ?? this.#hooks.fallbackDeadline()
      let stale = 0
      skip = (error) => {
        if (isConfigurationFailure(diagnose(error)) || Date.now() >= deadline) return true
        if (shouldSkipRetry?.(error)) return true
        if (findErrorBy(error, 'hasStaleMetadata', true)) {
          // The next attempt asks for fresh leaders. A broker that answers "not the leader" again
          // and again got a request whose partitions moved to different leaders: the wire client
          // sends it whole to the first partition's leader every time, so retrying cannot help.
          this.clearMetadata()
          if (findErrorBy(error, 'code', 'PLT_KFK_PROTOCOL') && ++stale > STALE_RETRIES) return true
        }
        this.#retrying = deadline
        queueMicrotask(() => (this.#retrying = undefined))
        return false
      }
    }
    return super[kPerformWithRetry](operationId, operation, callback, attempt, errors, skip, retryLimit)
  }
}
